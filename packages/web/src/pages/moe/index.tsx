// The MoE lab in the dashboard: the trainings, one training's router, and a comparison. The views load on first
// visit (views.tsx, a script of its own), so the dashboard's first page carries none of them.
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ErrorNote } from '../../components/ui';
import type { PageDef, PageProps } from '../page';

type Views = typeof import('./views');
let views: Promise<Views> | undefined;

function lazy(name: string, title: string, pick: (v: Views) => ComponentType<PageProps>): ComponentType<PageProps> {
  return function LazyMoePage(props: PageProps) {
    const [View, setView] = useState<{ C: ComponentType<PageProps> } | undefined>(undefined);
    const [error, setError] = useState<unknown>(undefined);
    useEffect(() => {
      views ??= import('./views');
      views.then((v) => setView({ C: pick(v) })).catch((e: unknown) => {
        views = undefined;
        setError(e);
      });
    }, []);
    if (View) return <View.C {...props} />;
    return (
      <main data-page={name}>
        <h1>{title}</h1>
        {error ? <ErrorNote error={error} /> : <p class="muted">Loading…</p>}
      </main>
    );
  };
}

export const page: PageDef = { name: 'moe', path: '/moe', nav: 'MoE', title: () => 'MoE trainings', component: lazy('moe', 'MoE trainings', (v) => v.ListView) };
export const comparePage: PageDef = { name: 'moe-compare', section: 'moe', path: '/moe/compare', title: () => 'MoE comparison', component: lazy('moe-compare', 'Comparing MoE trainings', (v) => v.CompareView) };
export const trainingPage: PageDef = {
  name: 'moe-training', section: 'moe',
  path: '/moe/trainings/:id',
  title: (p) => `MoE training ${(p.id ?? '').slice(0, 12)}`,
  component: lazy('moe-training', 'MoE training', (v) => v.TrainingView),
};
