/**
 * Idempotency shared by every API instance through Redis: a claim is `SET key pending NX PX
 * claimTtl` (atomic), the result replaces it with the full TTL, a failed write deletes the claim
 * only if it is still ours (compare-and-delete).
 */
import type Redis from 'ioredis';
import { randomUUID } from 'crypto';
import { ClaimOutcome, IdempotencyStore, IdempotencyWindow, PeekOutcome, StoredResult } from './idempotency-store';

const CLAIM = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return '' end
local current = redis.call('GET', KEYS[1])
if current then return current end
return false`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

const PENDING_PREFIX = 'pending:';

export class RedisIdempotencyStore implements IdempotencyStore {
  /** Marks this instance's claims so a release never deletes another instance's claim. */
  private readonly token = `${PENDING_PREFIX}${randomUUID()}`;

  constructor(private readonly redis: Redis, private readonly keyPrefix: string, private readonly window: IdempotencyWindow) {}

  private key(key: string): string {
    return `${this.keyPrefix}idem:${key}`;
  }

  async claim(key: string): Promise<ClaimOutcome> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const answer = (await this.redis.eval(CLAIM, 1, this.key(key), this.token, String(this.window.claimTtlMs))) as string | null;
      if (answer === '') return { state: 'claimed' };
      if (answer === null) continue; // expired between SET and GET: claim again
      return decode(answer) as ClaimOutcome;
    }
    return { state: 'pending' };
  }

  // The connection pipelines commands issued in the same tick (enableAutoPipelining), so these are one round trip.
  claimMany(keys: readonly string[]): Promise<ClaimOutcome[]> {
    return Promise.all(keys.map((key) => this.claim(key)));
  }

  async completeMany(items: ReadonlyArray<readonly [string, StoredResult]>): Promise<void> {
    await Promise.all(items.map(([key, result]) => this.complete(key, result)));
  }

  async releaseMany(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((key) => this.release(key)));
  }

  async complete(key: string, result: StoredResult): Promise<void> {
    await this.redis.set(this.key(key), JSON.stringify(result), 'PX', this.window.ttlMs);
  }

  async release(key: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key(key), this.token);
  }

  async peek(key: string): Promise<PeekOutcome> {
    const value = await this.redis.get(this.key(key));
    return value === null ? { state: 'absent' } : decode(value);
  }

  async close(): Promise<void> {
    // The Redis connection is shared and closed by its owner.
  }
}

function decode(value: string): { state: 'pending' } | { state: 'done'; result: StoredResult } {
  if (value.startsWith(PENDING_PREFIX)) return { state: 'pending' };
  return { state: 'done', result: JSON.parse(value) as StoredResult };
}
