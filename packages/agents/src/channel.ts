/**
 * A single-consumer async queue: the producer pushes events without waiting, the consumer iterates them in
 * order. Unconsumed events are buffered (a run's events are few and small).
 */
export class EventChannel<T> implements AsyncIterable<T> {
  private readonly buffer: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private failWaiting: ((error: unknown) => void) | undefined;
  private closed = false;
  private error: { value: unknown } | undefined;
  private iterated = false;

  push(value: T): void {
    if (this.closed) return;
    if (this.waiting) this.settle().resolve({ value, done: false });
    else this.buffer.push(value);
  }

  close(): void {
    this.closed = true;
    if (this.waiting) this.settle().resolve({ value: undefined, done: true });
  }

  fail(error: unknown): void {
    if (this.closed) return;
    this.error = { value: error };
    this.closed = true;
    if (this.waiting) this.settle().reject(error);
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.iterated) throw new Error('the event stream of a run can be iterated only once');
    this.iterated = true;
    return {
      next: () => {
        if (this.buffer.length > 0) return Promise.resolve({ value: this.buffer.shift()!, done: false });
        if (this.error) return Promise.reject(this.error.value);
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise<IteratorResult<T>>((resolve, reject) => {
          this.waiting = resolve;
          this.failWaiting = reject;
        });
      },
      return: () => {
        // The consumer left: stop buffering events nobody will read.
        this.closed = true;
        this.buffer.length = 0;
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  private settle() {
    const resolve = this.waiting!;
    const reject = this.failWaiting!;
    this.waiting = undefined;
    this.failWaiting = undefined;
    return { resolve, reject };
  }
}

/** A run whose events stream in order while it works, and whose outcome is `result`. */
export interface ChannelRun<E, R> extends AsyncIterable<E> {
  readonly events: AsyncIterable<E>;
  readonly result: Promise<R>;
}

/**
 * Starts `work` on the next microtask (the caller has the run in hand first; a synchronous throw rejects
 * `result`) and wires it to `channel`: the channel closes when the work resolves, fails when it rejects.
 */
export function startChannelRun<E, R>(channel: EventChannel<E>, work: () => Promise<R>): ChannelRun<E, R> {
  const result = Promise.resolve()
    .then(work)
    .then(
      (r) => {
        channel.close();
        return r;
      },
      (error: unknown) => {
        channel.fail(error);
        throw error;
      },
    );
  result.catch(() => undefined); // callers that only iterate the events see the error there
  return { events: channel, result, [Symbol.asyncIterator]: () => channel[Symbol.asyncIterator]() };
}
