// Asks for the bearer token when the API answers 401; the token is kept in sessionStorage for this tab.
import { useEffect, useRef, useState } from 'preact/hooks';
import { onAuth, setToken } from '../lib/api';

export function TokenDialog() {
  const ref = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  const [value, setValue] = useState('');
  useEffect(() => onAuth((needed) => setOpen(needed)), []);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} class="token-dialog" aria-labelledby="token-title" onCancel={(e) => e.preventDefault()}>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (!value.trim()) return;
          setToken(value);
          setValue('');
        }}
      >
        <h2 id="token-title">Sign in</h2>
        <p>This server needs its bearer token (the one it was started with). It is kept for this browser tab only.</p>
        <label for="token-input">Token</label>
        <input id="token-input" type="password" autocomplete="current-password" value={value} required onInput={(e) => setValue(e.currentTarget.value)} />
        <div class="actions">
          <button type="submit">Sign in</button>
        </div>
      </form>
    </dialog>
  );
}
