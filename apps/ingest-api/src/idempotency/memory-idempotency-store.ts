/**
 * In-process idempotency store: a Map with TTL expiry and a hard bound on entries (the oldest go
 * first), so memory stays flat whatever the traffic. The effective window is the TTL or the last
 * `maxEntries` events, whichever is shorter. One instance only: several API instances need the
 * Redis store.
 *
 * Eviction order is kept in a FIFO of (key, entry) pairs beside the Map rather than by iterating
 * the Map: V8 leaves deleted slots in a Map's table until it rehashes, so iterating from the front
 * of a Map that is constantly trimmed walks over every hole and costs O(holes) per write. Order is
 * that of the claims (a completed claim keeps its place; its expiry moves to the full TTL, so an
 * entry may outlive its expiry until the entries claimed before it are gone or the bound evicts
 * it, which only keeps a result a little longer). A FIFO item whose entry was replaced or removed
 * (released) is stale and skipped. Stale items behind a live one wait until it leaves; when they
 * outnumber the live entries (many released claims during an outage) the FIFO is rebuilt from the
 * Map, whose order is the same.
 */
import { ClaimOutcome, IdempotencyStore, IdempotencyWindow, ImmediateClaims, PeekOutcome, StoredResult } from './idempotency-store';

interface Entry {
  expiresAt: number;
  result?: StoredResult;
}

/** Entries checked for expiry per write (the bound on entries is enforced in full). */
const EXPIRED_PER_WRITE = 8;

export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly entries = new Map<string, Entry>();
  private orderKeys: string[] = [];
  private orderEntries: Entry[] = [];
  private head = 0;

  /** The same batch calls without promises: IdempotencyService uses them on the request path. */
  readonly immediate: ImmediateClaims = {
    claim: (key) => {
      const now = this.now();
      this.evict(now);
      return this.claimAt(key, now);
    },
    complete: (key, result) => this.completeAt(key, result, this.now()),
    release: (key) => this.releaseNow(key),
    claimMany: (keys) => this.claimManyNow(keys),
    completeMany: (items) => this.completeManyNow(items),
    releaseMany: (keys) => {
      for (const key of keys) this.releaseNow(key);
    },
  };

  constructor(private readonly window: IdempotencyWindow, private readonly maxEntries: number, private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.entries.size;
  }

  async claim(key: string): Promise<ClaimOutcome> {
    return this.immediate.claim(key);
  }

  async claimMany(keys: readonly string[]): Promise<ClaimOutcome[]> {
    return this.claimManyNow(keys);
  }

  private claimManyNow(keys: readonly string[]): ClaimOutcome[] {
    const now = this.now();
    const outcomes: ClaimOutcome[] = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      this.evict(now);
      outcomes[i] = this.claimAt(keys[i], now);
    }
    return outcomes;
  }

  async complete(key: string, result: StoredResult): Promise<void> {
    this.immediate.complete(key, result);
  }

  async completeMany(items: ReadonlyArray<readonly [string, StoredResult]>): Promise<void> {
    this.completeManyNow(items);
  }

  private completeManyNow(items: ReadonlyArray<readonly [string, StoredResult]>): void {
    const now = this.now();
    for (const [key, result] of items) this.completeAt(key, result, now);
  }

  async release(key: string): Promise<void> {
    this.releaseNow(key);
  }

  async releaseMany(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.releaseNow(key);
  }

  private releaseNow(key: string): void {
    const entry = this.entries.get(key);
    if (entry && !entry.result) this.entries.delete(key);
  }

  async peek(key: string): Promise<PeekOutcome> {
    const entry = this.live(key, this.now());
    if (!entry) return { state: 'absent' };
    return entry.result ? { state: 'done', result: entry.result } : { state: 'pending' };
  }

  async close(): Promise<void> {
    this.entries.clear();
    this.orderKeys = [];
    this.orderEntries = [];
    this.head = 0;
  }

  private claimAt(key: string, now: number): ClaimOutcome {
    const entry = this.live(key, now);
    if (entry) return entry.result ? { state: 'done', result: entry.result } : { state: 'pending' };
    this.insert(key, { expiresAt: now + this.window.claimTtlMs });
    return { state: 'claimed' };
  }

  private completeAt(key: string, result: StoredResult, now: number): void {
    const entry = this.entries.get(key);
    if (entry && !entry.result) {
      // The claim's entry becomes the result and keeps its place: the oldest claims go first.
      entry.result = result;
      entry.expiresAt = now + this.window.ttlMs;
      return;
    }
    this.insert(key, { expiresAt: now + this.window.ttlMs, result });
  }

  private insert(key: string, entry: Entry): void {
    // Deleting first moves the key to the young end, matching its place in the FIFO (rebuilt from the Map's order).
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.orderKeys.push(key);
    this.orderEntries.push(entry);
  }

  private live(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Drops stale FIFO items, expired entries from the old end (a few per call), and enforces the bound. */
  private evict(now: number): void {
    let expired = 0;
    while (this.head < this.orderKeys.length) {
      const key = this.orderKeys[this.head];
      const entry = this.orderEntries[this.head];
      if (this.entries.get(key) === entry) {
        const overBound = this.entries.size >= this.maxEntries;
        if (!overBound && !(entry.expiresAt <= now && expired < EXPIRED_PER_WRITE)) break;
        this.entries.delete(key);
        if (!overBound) expired++;
      }
      this.head++;
    }
    this.compact();
  }

  private compact(): void {
    const queued = this.orderKeys.length - this.head;
    if (queued > 2 * this.entries.size + 4096) {
      this.orderKeys = [...this.entries.keys()];
      this.orderEntries = [...this.entries.values()];
      this.head = 0;
    } else if (this.head >= 4096 && this.head * 2 >= this.orderKeys.length) {
      this.orderKeys = this.orderKeys.slice(this.head);
      this.orderEntries = this.orderEntries.slice(this.head);
      this.head = 0;
    }
  }
}
