import { abortReason } from '../abort.js';

interface Waiter {
  grant(): void;
}

/**
 * A counting semaphore: at most `capacity` holders, the rest wait in FIFO order and leave the line when
 * their signal fires. Taking a free slot is synchronous (no promise, no microtask hop), which is what keeps
 * the executor's cost per call low when nothing has to wait.
 */
export class Semaphore {
  private active = 0;
  // A Set keeps insertion order (FIFO) and lets an aborted waiter leave in O(1).
  private readonly waiters = new Set<Waiter>();

  constructor(readonly capacity: number) {}

  /** Takes a slot if one is free now. */
  tryAcquire(): boolean {
    if (this.active >= this.capacity) return false;
    this.active += 1;
    return true;
  }

  /**
   * Takes a slot, waiting in line for one. Rejects with the signal's reason when it fires first; a slot granted
   * while the signal fired is handed back, so an aborted caller never ends up holding one.
   */
  async acquire(signal?: AbortSignal): Promise<void> {
    if (this.tryAcquire()) return;
    if (signal?.aborted) throw abortReason(signal);
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.waiters.delete(waiter);
        reject(abortReason(signal!));
      };
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
    });
    if (signal?.aborted) {
      this.release();
      throw abortReason(signal);
    }
  }

  /** Gives a slot back: straight to the first waiter if there is one (so no newcomer can jump the line). */
  release(): void {
    const next = this.waiters.size === 0 ? undefined : this.waiters.values().next().value;
    if (!next) {
      this.active -= 1;
      return;
    }
    this.waiters.delete(next);
    next.grant();
  }
}
