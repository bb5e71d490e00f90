/**
 * A bounded LRU of verified tokens keyed by the token string. An entry is served only until the
 * token's own `exp` and at most `maxAgeMs` after it was verified (so a rotated signing key takes
 * effect within that time); a full cache drops its least recently used entry.
 */
export class TokenCache<V> {
  private readonly entries = new Map<string, { value: V; validUntil: number }>();

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
    // Refresh recency: Map iteration order is insertion order, so the oldest key is evicted first.
    this.entries.delete(token);
    this.entries.set(token, entry);
    return entry.value;
  }

  /** `expiresAtMs` is the token's `exp` in ms (null when it has none). */
  set(token: string, value: V, expiresAtMs: number | null): void {
    if (this.maxEntries <= 0) return;
    const now = this.now();
    const validUntil = Math.min(now + this.maxAgeMs, expiresAtMs ?? Number.POSITIVE_INFINITY);
    if (validUntil <= now) return;
    this.entries.delete(token);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    this.entries.set(token, { value, validUntil });
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
