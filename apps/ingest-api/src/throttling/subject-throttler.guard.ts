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
import { logger } from '@platform/observability';
import { Principal } from '@platform/auth';

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
    try {
      const plain = this.plainThrottlers();
      if (!plain) return await super.canActivate(context);
      const request = context.switchToHttp().getRequest<{ user?: Principal; ip?: string }>();
      const tracker = request.user ? `sub:${request.user.subject}` : `ip:${request.ip ?? 'unknown'}`;
      for (const t of plain) {
        const record = await this.storageService.increment(`${t.name}:${tracker}`, t.ttl, t.limit, t.blockDuration, t.name);
        if (record.isBlocked) {
          await this.throwThrottlingException(context, { ...record, limit: t.limit, ttl: t.ttl, key: tracker, tracker });
        }
      }
      return true;
    } catch (error) {
      if (error instanceof PlatformError) throw error;
      logger().warn({ err: (error as Error).message }, 'rate limit store unavailable; request allowed');
      return true;
    }
  }

  /** The throttlers when all are plain numbers without per-route overrides (this app's case). */
  private plainThrottlers(): PlainThrottler[] | null {
    if (this.plain !== undefined) return this.plain;
    const all = this.throttlers ?? [];
    const plain = all.every((t) => typeof t.ttl === 'number' && typeof t.limit === 'number' && (t.blockDuration === undefined || typeof t.blockDuration === 'number'));
    this.plain = plain
      ? all.map((t) => ({ name: t.name ?? 'default', ttl: t.ttl as number, limit: t.limit as number, blockDuration: (t.blockDuration as number | undefined) ?? (t.ttl as number) }))
      : null;
    return this.plain;
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new PlatformError(429, 'RATE_LIMITED', 'too many requests; slow down', { limit: detail.limit, window_ms: detail.ttl }, detail.timeToBlockExpire);
  }
}
