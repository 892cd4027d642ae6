import * as highsModule from 'highs';
import type { Highs } from 'highs';

// The package ships CommonJS typings for an ES module build: its default export is the loader at run time.
type Loader = (typeof highsModule)['default'];
const highsLoader = ((highsModule as unknown as { default?: Loader }).default ?? highsModule) as Loader;

let loading: Promise<Highs> | undefined;

/** The HiGHS WebAssembly runtime, loaded once per process. */
export function loadHighs(): Promise<Highs> {
  loading ??= highsLoader();
  return loading;
}
