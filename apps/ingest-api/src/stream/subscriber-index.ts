/**
 * A topic feed's subscribers, indexed by key filter: a record is handed to the subscribers without
 * a key filter and to those filtering on its key, so with many keyed subscribers a record costs its
 * matching subscribers, not one call per subscriber. Pure.
 */
export interface KeyedSubscriber {
  /** Set when the subscriber only wants records with this key. */
  readonly keyFilter?: string;
}

export class SubscriberIndex<S extends KeyedSubscriber> {
  private readonly everyKey = new Set<S>();
  private readonly byKey = new Map<string, Set<S>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(subscriber: S): void {
    const key = subscriber.keyFilter;
    let group = this.everyKey;
    if (key !== undefined) {
      group = this.byKey.get(key) ?? new Set();
      this.byKey.set(key, group);
    }
    if (group.has(subscriber)) return;
    group.add(subscriber);
    this.count++;
  }

  remove(subscriber: S): void {
    const key = subscriber.keyFilter;
    const group = key === undefined ? this.everyKey : this.byKey.get(key);
    if (!group?.delete(subscriber)) return;
    this.count--;
    if (key !== undefined && group.size === 0) this.byKey.delete(key);
  }

  /** Calls `visit` for every subscriber that wants a record with `key` (null: unkeyed record). */
  forRecord(key: string | null, visit: (subscriber: S) => void): void {
    for (const subscriber of this.everyKey) visit(subscriber);
    const keyed = key === null ? undefined : this.byKey.get(key);
    if (keyed) for (const subscriber of keyed) visit(subscriber);
  }

  /** Whether any subscriber wants a record with `key`. */
  wants(key: string | null): boolean {
    return this.everyKey.size > 0 || (key !== null && this.byKey.has(key));
  }

  clear(): void {
    this.everyKey.clear();
    this.byKey.clear();
    this.count = 0;
  }
}
