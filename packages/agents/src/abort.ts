/**
 * A new signal that fires when any of the given ones fires (undefined entries are ignored). Always a fresh
 * signal, so the listeners one call attaches stay on its own signal, not on the run's shared one.
 */
export function anySignal(...signals: Array<AbortSignal | undefined>): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
}

/** The error an aborted operation rejects with: the signal's reason, or a DOMException AbortError. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException('This operation was aborted', 'AbortError');
}

/**
 * The cancellation of one operation under up to two parent signals (e.g. an executor's and a call's): the
 * cheap per-call counterpart of `anySignal`. Nothing is allocated or registered until a signal or a race is
 * asked for (most calls of a fast tool need neither); the signal it hands out is its own, so listeners a
 * tool attaches never pile up on a long-lived parent; and it is told about a parent's abort through one
 * shared listener per parent (see `watch`), so thousands of calls in flight under one run's signal add no
 * listeners to it (and trip no MaxListenersExceededWarning). Call `dispose()` once the operation settled.
 */
export class LinkedAbort {
  private controller: AbortController | undefined;
  private rejectRace: ((reason: Error) => void) | undefined;
  private listening = false;

  constructor(
    private readonly first: AbortSignal | undefined,
    private readonly second: AbortSignal | undefined,
  ) {}

  /** Whether a parent has fired. */
  get aborted(): boolean {
    return this.fired() !== undefined;
  }

  /** Throws the first fired parent's reason, like AbortSignal.throwIfAborted. */
  throwIfAborted(): void {
    const fired = this.fired();
    if (fired) throw abortReason(fired);
  }

  /** A signal that fires with the first parent's reason; made on first use. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      const fired = this.fired();
      if (fired) this.controller.abort(fired.reason);
      else this.listen();
    }
    return this.controller.signal;
  }

  /** Settles like the promise, or rejects as soon as a parent fires (the work itself is not stopped). */
  race<T>(promise: Promise<T>): Promise<T> {
    if (!this.first && !this.second) return promise;
    const fired = this.fired();
    if (fired) return Promise.reject(abortReason(fired));
    this.listen();
    return new Promise<T>((resolve, reject) => {
      this.rejectRace = reject;
      promise.then(resolve, reject);
    });
  }

  /** Stops listening to the parents; call it once the operation has settled. */
  dispose(): void {
    if (!this.listening) return;
    this.listening = false;
    if (this.first) watchers.get(this.first)?.delete(this);
    if (this.second) watchers.get(this.second)?.delete(this);
  }

  /** Called by the parent's shared listener. */
  parentAborted(parent: AbortSignal): void {
    this.dispose();
    this.controller?.abort(parent.reason);
    this.rejectRace?.(abortReason(parent));
  }

  private fired(): AbortSignal | undefined {
    if (this.first?.aborted) return this.first;
    return this.second?.aborted ? this.second : undefined;
  }

  private listen(): void {
    if (this.listening) return;
    this.listening = true;
    if (this.first) watch(this.first).add(this);
    if (this.second) watch(this.second).add(this);
  }
}

/** The links listening to each parent signal, told by one listener per parent (added once, on first use). */
const watchers = new WeakMap<AbortSignal, Set<LinkedAbort>>();

function watch(parent: AbortSignal): Set<LinkedAbort> {
  let links = watchers.get(parent);
  if (!links) {
    const created = new Set<LinkedAbort>();
    watchers.set(parent, (links = created));
    parent.addEventListener('abort', () => {
      for (const link of [...created]) link.parentAborted(parent);
    }, { once: true });
  }
  return links;
}
