/**
 * A set of listeners told of one kind of event, each on its own: one that throws is
 * reported to `failed` and the others are still told.
 */
export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();

  constructor(private readonly failed: (err: unknown) => void) {}

  /** Adds a listener; the returned function removes it. */
  add(listener: (value: T) => void): () => void {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }

  emit(value: T): void {
    for (const listener of this.set) {
      try {
        listener(value);
      } catch (err) {
        this.failed(err);
      }
    }
  }
}
