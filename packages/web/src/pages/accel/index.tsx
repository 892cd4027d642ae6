// Hardware planning (@verdant/accel): the page itself is loaded on first visit (its own chunk), so the
// other pages' first load does not carry it.
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ErrorNote } from '../../components/ui';
import type { PageDef } from '../page';

function LazyAccelPage() {
  const [Page, setPage] = useState<ComponentType | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    import('./AccelPage').then(
      (m) => setPage(() => m.AccelPage),
      (e: unknown) => setError(e),
    );
  }, []);
  if (Page) return <Page />;
  return (
    <main data-page="accel" aria-busy={error ? undefined : 'true'}>
      <h1>Hardware</h1>
      {error ? <ErrorNote error={error} /> : <p class="note">Loading…</p>}
    </main>
  );
}

export const page: PageDef = { name: 'accel', path: '/accel', nav: 'Hardware', title: () => 'Hardware', component: LazyAccelPage };
