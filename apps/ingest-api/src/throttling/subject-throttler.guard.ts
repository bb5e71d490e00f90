/**
 * Rate limits per client: the token's subject (the address for a request without one). Over the
 * limit: 429 RATE_LIMITED with Retry-After. The configured throttlers (plain numbers here) are
 * applied directly to the storage, skipping the generic guard's per-request metadata look-ups;
 * anything else falls back to ThrottlerGuard. A storage outage lets requests through (rate limiting
 * protects, it does not decide correctness) and is logged.
 */
import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import { PlatformError } from '@platform/contracts';
import { logger } from '@platform/runtime';
import { Principal } from '@platform/auth';
import { MemoryThrottlerStorage } from './memory-throttler-storage';

interface PlainThrottler {
  name: string;
  ttl: number;
  limit: number;
  blockDuration: number;
}

@Injectable()
export class SubjectThrottlerGuard extends ThrottlerGuard {
  private plain?: PlainThrottler[] | null;

  protected override async getTracker(request: { user?: Principal; ip?: string }): Promise<string> {
    return request.user ? `sub:${request.user.subject}` : `ip:${request.ip ?? 'unknown'}`;
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return `${name}:${tracker}`;
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const plain = this.plainThrottlers();
    if (!plain) return super.canActivate(context).catch(allowOnStoreFailure);
    await this.limit(context.switchToHttp().getRequest<{ user?: Principal; ip?: string }>());
    return true;
  }

  /**
   * Counts the request against its subject's limits: throws (or rejects with) 429 over a limit.
   * With the in-memory counters nothing is awaited and undefined is returned.
   */
  limit(request: { user?: Principal; ip?: string }): Promise<void> | undefined {
    const plain = this.plainThrottlers();
    if (!plain) throw new Error('SubjectThrottlerGuard.limit needs throttlers with plain numbers');
    const tracker = request.user ? `sub:${request.user.subject}` : `ip:${request.ip ?? 'unknown'}`;
    const storage = this.storageService;
    if (storage instanceof MemoryThrottlerStorage) {
      for (const t of plain) {
        const record = storage.hit(`${t.name}:${tracker}`, t.ttl, t.limit, t.blockDuration);
        if (record.isBlocked) throw rateLimited(t.limit, t.ttl, record.timeToBlockExpire);
      }
      return undefined;
    }
    return (async () => {
      for (const t of plain) {
        const record = await storage.increment(`${t.name}:${tracker}`, t.ttl, t.limit, t.blockDuration, t.name);
        if (record.isBlocked) throw rateLimited(t.limit, t.ttl, record.timeToBlockExpire);
      }
    })().catch((error: unknown) => void allowOnStoreFailure(error));
  }

  /** The throttlers when all are plain numbers without per-route overrides (this app's case). */
  private plainThrottlers(): PlainThrottler[] | null {
    if (this.plain !== undefined) return this.plain;
    const all = this.throttlers ?? [];
    const plain = all.every(
      (t) =>
        typeof t.ttl === 'number' && typeof t.limit === 'number' && (t.blockDuration === undefined || typeof t.blockDuration === 'number'),
    );
    this.plain = plain
      ? all.map((t) => ({
          name: t.name ?? 'default',
          ttl: t.ttl as number,
          limit: t.limit as number,
          blockDuration: (t.blockDuration as number | undefined) ?? (t.ttl as number),
        }))
      : null;
    return this.plain;
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw rateLimited(detail.limit, detail.ttl, detail.timeToBlockExpire);
  }
}

function rateLimited(limit: number, ttlMs: number, retryAfterSeconds: number): PlatformError {
  return new PlatformError(429, 'RATE_LIMITED', 'too many requests; slow down', { limit, window_ms: ttlMs }, retryAfterSeconds);
}

/** Rate limiting protects, it does not decide correctness: a store outage lets the request through. */
function allowOnStoreFailure(error: unknown): never | true {
  if (error instanceof PlatformError) throw error;
  logger().warn({ err: (error as Error).message }, 'rate limit store unavailable; request allowed');
  return true;
}
