/**
 * In-process idempotency store: a Map in insertion order with TTL expiry and a hard bound on
 * entries (the oldest go first), so memory stays flat whatever the traffic. The effective window
 * is the TTL or the last `maxEntries` events, whichever is shorter. One instance only: several
 * API instances need the Redis store.
 */
import { ClaimOutcome, IdempotencyStore, IdempotencyWindow, PeekOutcome, StoredResult } from './idempotency-store';

interface Entry {
  expiresAt: number;
  result?: StoredResult;
}

export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly window: IdempotencyWindow, private readonly maxEntries: number, private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.entries.size;
  }

  async claim(key: string): Promise<ClaimOutcome> {
    const now = this.now();
    this.evict(now);
    const entry = this.live(key, now);
    if (entry) return entry.result ? { state: 'done', result: entry.result } : { state: 'pending' };
    this.entries.set(key, { expiresAt: now + this.window.claimTtlMs });
    return { state: 'claimed' };
  }

  async complete(key: string, result: StoredResult): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, { expiresAt: this.now() + this.window.ttlMs, result });
  }

  async release(key: string): Promise<void> {
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
  }

  private live(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Drops expired entries from the old end (a few per call) and enforces the bound. */
  private evict(now: number): void {
    let checked = 0;
    for (const [key, entry] of this.entries) {
      if (this.entries.size >= this.maxEntries || (entry.expiresAt <= now && checked < 8)) {
        this.entries.delete(key);
        checked++;
        continue;
      }
      break;
    }
  }
}
