import * as highsModule from 'highs';
import type { Highs } from 'highs';

// The package ships CommonJS typings for an ES module build: its default export is the loader at run time.
type Loader = () => Promise<Highs>;
const mod = highsModule as unknown as { default?: Loader | { default?: Loader } };
const highsLoader = (typeof mod.default === 'function' ? mod.default : mod.default?.default) as Loader;

let loading: Promise<Highs> | undefined;

/** The HiGHS WebAssembly runtime, loaded once per process. */
export function loadHighs(): Promise<Highs> {
  loading ??= highsLoader();
  return loading;
}
