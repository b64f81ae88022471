interface Waiter {
  poll: () => boolean;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Lets callers wait until some state holds. Whoever changes the state calls `notify()`;
 * each waiter re-checks its condition then. A waiter that times out rejects with the
 * message its `describe` callback builds at that moment (so it can say what did arrive).
 */
export class Notifier {
  readonly #waiters = new Set<Waiter>();
  #closedReason: string | null = null;

  notify(): void {
    // Called for every dispatch: nothing to copy while nobody waits (a burst's common case).
    if (this.#waiters.size === 0) return;
    for (const waiter of [...this.#waiters]) {
      if (waiter.poll()) this.#waiters.delete(waiter);
    }
  }

  waitFor<T>(get: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> {
    const now = get();
    if (now !== undefined) return Promise.resolve(now);
    if (this.#closedReason) return Promise.reject(new Error(`${describe()} (${this.#closedReason})`));
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        poll: () => {
          const value = get();
          if (value === undefined) return false;
          clearTimeout(waiter.timer);
          resolve(value);
          return true;
        },
        reject: (error) => {
          clearTimeout(waiter.timer);
          reject(error);
        },
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          reject(new Error(`Timed out after ${timeoutMs} ms: ${describe()}`));
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  /** Rejects every pending waiter (the fake is stopping). */
  close(reason: string): void {
    this.#closedReason = reason;
    for (const waiter of this.#waiters) waiter.reject(new Error(reason));
    this.#waiters.clear();
  }
}

/** A sleep that ends early (rejecting) when `signal` aborts, so stop() leaves no timers. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new Error('fake-discord stopped'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error('fake-discord stopped'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
