// The browser MoE lab: trains a tiny Mixture-of-Experts language model in this tab (TensorFlow.js on WebAssembly,
// in a Web Worker) and draws its router live. The page's code and the engine load only when it is opened
// (a dynamic import here, the worker's own bundle there), so none of it weighs on the other pages.
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { describeError } from '../../lib/api';
import type { PageDef, PageProps } from '../page';

function MoePlayLoader(props: PageProps) {
  const [Lab, setLab] = useState<ComponentType<PageProps> | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    let live = true;
    import('./lab')
      .then((m) => live && setLab(() => m.MoePlayPage))
      .catch((e: unknown) => live && setError(e));
    return () => {
      live = false;
    };
  }, []);
  if (Lab) return <Lab {...props} />;
  return (
    <main data-page="moe-play" data-ready={error ? 'true' : 'false'}>
      <h1>MoE lab in the browser</h1>
      {error ? (
        <p class="error" role="alert">
          The lab could not load: {describeError(error)}. Reload the page.
        </p>
      ) : (
        <p class="note">Loading the lab…</p>
      )}
    </main>
  );
}

export const page: PageDef = { name: 'moe-play', path: '/moe-play', nav: 'MoE lab (browser)', title: () => 'MoE lab (browser)', component: MoePlayLoader };
