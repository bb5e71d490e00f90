/**
 * Seen-id set with time-to-live, for counting each event_id once.
 *
 * Time here is whatever clock the caller expires by; the engine uses event time (the watermark),
 * not processing time, because then what is remembered depends only on the input: a replay after
 * a crash forgets exactly the same ids at exactly the same point and gives identical results. The
 * engine sets each id's expiry to its event time plus the TTL; by default that TTL is the longest
 * span in which any copy could still be counted, so a copy arriving after its id expired is too
 * late for every window anyway (and is reported LATE, not counted).
 *
 * Expiry is bucketed (`bucketMs`) so the timer heap holds one entry per bucket, not per id; an id
 * may live up to one bucket longer than asked, never shorter. State is the plain map id -> expiry.
 */
import { TimerQueue } from './timers';

export interface DedupeOptions {
  /** Expiry granularity, in the caller's time unit (ms). Default 1000. */
  bucketMs?: number;
}

export class DedupeStore {
  private readonly expiries = new Map<string, number>();
  private readonly timers = new TimerQueue<string>();
  private readonly bucketMs: number;

  /** Expiry granularity: ids are forgotten by bucket (see expiryBucket). */
  get bucket(): number {
    return this.bucketMs;
  }

  constructor(options: DedupeOptions = {}) {
    const bucket = options.bucketMs ?? 1000;
    if (!(bucket > 0 && Number.isFinite(bucket))) throw new Error('bucketMs must be > 0');
    this.bucketMs = bucket;
  }

  get size(): number {
    return this.expiries.size;
  }

  has(id: string): boolean {
    return this.expiries.has(id);
  }

  /** The expiry an id was recorded with, if it is remembered. */
  expiryOf(id: string): number | undefined {
    return this.expiries.get(id);
  }

  /**
   * Remembers id until `expiresAt`. Returns false (and changes nothing) when the id is already
   * remembered: the first sighting's expiry stands, so a stream of copies cannot keep it alive.
   */
  add(id: string, expiresAt: number): boolean {
    if (this.expiries.has(id)) return false;
    this.expiries.set(id, expiresAt);
    this.timers.add(this.bucketOf(expiresAt), id);
    return true;
  }

  /** Forgets every id whose expiry bucket is <= now; calls onExpired for each. Returns how many. */
  expire(now: number, onExpired?: (id: string) => void): number {
    let removed = 0;
    for (let due = this.timers.pollDue(now); due; due = this.timers.pollDue(now)) {
      for (const id of due.items) {
        const at = this.expiries.get(id);
        // Skip ids forgotten and re-added since this timer was set.
        if (at === undefined || this.bucketOf(at) !== due.time) continue;
        this.expiries.delete(id);
        removed++;
        onExpired?.(id);
      }
    }
    return removed;
  }

  /** id -> expiry, for snapshots and tests. */
  entries(): IterableIterator<[string, number]> {
    return this.expiries.entries();
  }

  clear(): void {
    this.expiries.clear();
    this.timers.clear();
  }

  private bucketOf(expiresAt: number): number {
    return expiryBucket(expiresAt, this.bucketMs);
  }
}

/** The bucket an id with this expiry is forgotten with: once expire(now) has run with now >= it. */
export function expiryBucket(expiresAt: number, bucketMs: number): number {
  return Math.ceil(expiresAt / bucketMs) * bucketMs;
}
