/**
 * Background promises an owner started and waits for when it stops. A task that rejects is
 * reported to `failed` (by default nothing: for tasks whose caller awaits them and handles
 * the failure itself) and dropped from the set once settled, either way.
 */
export class Tasks {
  private readonly set = new Set<Promise<unknown>>();

  constructor(private readonly failed: (err: unknown) => void = () => {}) {}

  /** Tracks `task` until it settles. */
  track(task: Promise<unknown>): void {
    this.set.add(task);
    void task.catch(this.failed).finally(() => this.set.delete(task));
  }

  /** How many are still running. */
  get size(): number {
    return this.set.size;
  }

  /** Resolves once every task tracked so far has settled. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.set]);
  }
}
