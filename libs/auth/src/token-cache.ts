/**
 * A bounded cache of verified tokens keyed by the token string. An entry is served only until the
 * token's own `exp` and at most `maxAgeMs` after it was verified (so a rotated signing key takes
 * effect within that time); a full cache drops a token not used since the eviction last passed it
 * (second chance, an approximation of least recently used): a hit only sets a flag, so the request
 * path does not reorder the map on every call.
 */
interface Entry<V> {
  value: V;
  validUntil: number;
  used: boolean;
}

export class TokenCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(
    private readonly maxEntries: number,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(token: string): V | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (entry.validUntil <= this.now()) {
      this.entries.delete(token);
      return undefined;
    }
    entry.used = true;
    return entry.value;
  }

  /** `expiresAtMs` is the token's `exp` in ms (null when it has none). */
  set(token: string, value: V, expiresAtMs: number | null): void {
    if (this.maxEntries <= 0) return;
    const now = this.now();
    const validUntil = Math.min(now + this.maxAgeMs, expiresAtMs ?? Number.POSITIVE_INFINITY);
    if (validUntil <= now) return;
    this.entries.delete(token);
    while (this.entries.size >= this.maxEntries) this.evictOne();
    this.entries.set(token, { value, validUntil, used: false });
  }

  /** Map order is insertion order: the oldest entry goes unless it was used since, then it moves to the young end. */
  private evictOne(): void {
    for (const [token, entry] of this.entries) {
      this.entries.delete(token);
      if (!entry.used) return;
      entry.used = false;
      this.entries.set(token, entry);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
