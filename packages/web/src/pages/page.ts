import type { ComponentType } from 'preact';
import type { Route } from '../lib/router';

export interface PageProps {
  params: Record<string, string>;
  route: Route;
}

/** One page of the dashboard: its folder under src/pages/ exports one of these, and pages/registry.ts lists it. */
export interface PageDef {
  /** The data-page value of its <main>. */
  name: string;
  /** Hash route pattern, e.g. '/runs/:id'. */
  path: string;
  /** Its link in the main navigation; pages without one (a single run) are reached by links. */
  nav?: string;
  /** The page of the main navigation it belongs under (shown as current there): a run under 'runs'. */
  section?: string;
  title: (params: Record<string, string>) => string;
  component: ComponentType<PageProps>;
}
