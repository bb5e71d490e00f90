/**
 * Runs a write at most once per key within the window. Concurrent requests for the same key in
 * this instance share one promise; across instances the store's atomic claim decides, and a
 * request that finds another instance's claim waits (bounded) for its result.
 */
import { PlatformError } from '@platform/contracts';
import { IdempotencyStore, StoredResult } from './idempotency-store';

export interface IdempotentOutcome {
  result: StoredResult;
  duplicate: boolean;
}

export class IdempotencyService {
  private readonly inFlight = new Map<string, Promise<StoredResult>>();

  constructor(private readonly store: IdempotencyStore, private readonly pendingWaitMs: number, private readonly pollMs = 50) {}

  async run(key: string, write: () => Promise<StoredResult>): Promise<IdempotentOutcome> {
    const local = this.inFlight.get(key);
    if (local) return { result: await local, duplicate: true };
    const outcome = this.claimAndRun(key, write);
    const shared = outcome.then((o) => o.result);
    shared.catch(() => undefined);
    this.inFlight.set(key, shared);
    try {
      return await outcome;
    } finally {
      this.inFlight.delete(key);
    }
  }

  private async claimAndRun(key: string, write: () => Promise<StoredResult>): Promise<IdempotentOutcome> {
    const deadline = Date.now() + this.pendingWaitMs;
    for (;;) {
      const claim = await this.storeCall(() => this.store.claim(key));
      if (claim.state === 'done') return { result: claim.result, duplicate: true };
      if (claim.state === 'claimed') break;
      // Another instance is writing this event: wait for its result, or for its claim to go away.
      const waited = await this.waitForOther(key, deadline);
      if (waited) return { result: waited, duplicate: true };
    }
    let result: StoredResult;
    try {
      result = await write();
    } catch (error) {
      await this.store.release(key).catch(() => undefined);
      throw error;
    }
    // The event is in Kafka: a failure to remember it only weakens deduplication, so the answer stands.
    await this.store.complete(key, result).catch(() => undefined);
    return { result, duplicate: false };
  }

  private async waitForOther(key: string, deadline: number): Promise<StoredResult | undefined> {
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, this.pollMs));
      const peek = await this.storeCall(() => this.store.peek(key));
      if (peek.state === 'done') return peek.result;
      if (peek.state === 'absent') return undefined;
    }
    throw new PlatformError(409, 'DUPLICATE_IN_PROGRESS', 'an event with this event_id is being written; retry shortly', null, 1);
  }

  private async storeCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch {
      throw new PlatformError(503, 'SERVICE_UNAVAILABLE', 'the idempotency store is unavailable', null, 1);
    }
  }
}
