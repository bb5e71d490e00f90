/**
 * Runs writes at most once per key within the window. Concurrent requests for the same key in
 * this instance share one result; across instances the store's atomic claim decides, and a request
 * that finds another instance's claim waits (bounded) for its result.
 *
 * Work is done per batch of keys: one claim call, one write call for every key claimed, one
 * completion call, and one shared promise per batch for concurrent requests to wait on, so the
 * cost per event is a few array slots rather than a chain of promises.
 */
import type { OnApplicationShutdown } from '@nestjs/common';
import { PlatformError } from '@platform/contracts';
import { ClaimOutcome, IdempotencyStore, ImmediateClaims, StoredResult } from './idempotency-store';

export interface IdempotentOutcome {
  result: StoredResult;
  duplicate: boolean;
}

/** One key's outcome in a batch: the write's (or the first write's) result, or why it failed. */
export type BatchItemOutcome = IdempotentOutcome | { error: unknown };

/**
 * A write whose outcome is not known yet: it was not acknowledged in time, but the record may still
 * be written. `settled` gives its result if it lands, undefined if it failed.
 */
export interface InDoubt {
  settled: Promise<StoredResult | undefined>;
}

export function isInDoubt(error: unknown): error is InDoubt {
  return typeof error === 'object' && error !== null && (error as Partial<InDoubt>).settled instanceof Promise;
}

/** Writes the records at `indices` (positions in the batch); one result or error per index, in order. */
export type BatchWrite = (indices: number[]) => Promise<Array<StoredResult | { error: unknown }>>;

/** A key being written in this instance: slot `index` of a batch, or a single run's own outcome. */
type InFlight = { batch: Promise<BatchItemOutcome[]>; index: number } | { single: Promise<IdempotentOutcome> };

/** The outcome a request waiting on an in-flight key gets (never rejects). */
function outcomeOf(inFlight: InFlight): Promise<BatchItemOutcome> {
  if ('single' in inFlight) return inFlight.single.catch((error: unknown) => ({ error }));
  return inFlight.batch.then((outcomes) => outcomes[inFlight.index]);
}

/** Where `settle` puts what the store must learn about a key: called at once, or collected for one batch call. */
interface Settlement {
  complete(key: string, result: StoredResult): void;
  release(key: string): void;
}

/** Collects a batch's completions and releases for one `completeMany` and one `releaseMany`. */
class CollectedSettlement implements Settlement {
  readonly completed: Array<readonly [string, StoredResult]> = [];
  readonly released: string[] = [];
  complete(key: string, result: StoredResult): void {
    this.completed.push([key, result]);
  }
  release(key: string): void {
    this.released.push(key);
  }
}

export function isFailure(outcome: BatchItemOutcome): outcome is { error: unknown } {
  return 'error' in outcome;
}

export class IdempotencyService implements OnApplicationShutdown {
  private readonly inFlight = new Map<string, InFlight>();
  /** Keys whose write timed out but may still land: held (not released) until the write settles. */
  private readonly inDoubt = new Map<string, Promise<StoredResult | undefined>>();

  constructor(private readonly store: IdempotencyStore, private readonly pendingWaitMs: number, private readonly pollMs = 50) {}

  /** After the producer flushed (the events module shuts down first), so every completed write is remembered. */
  onApplicationShutdown(): Promise<void> {
    return this.store.close();
  }

  /** One key: the write's result, or the first write's as a duplicate; rejects with the write's error. */
  run(key: string, write: () => Promise<StoredResult>): Promise<IdempotentOutcome> {
    const immediate = this.store.immediate;
    if (immediate && !this.inFlight.has(key) && !this.inDoubt.has(key)) {
      const claim = immediate.claim(key);
      if (claim.state === 'done') return Promise.resolve({ result: claim.result, duplicate: true });
      if (claim.state === 'claimed') return this.writeClaimedNow(immediate, key, write);
      // A claim this instance does not track: the general path waits for it.
    }
    return this.runMany([key], async () => [await write().catch((error: unknown) => ({ error }))]).then(([outcome]) => {
      if (isFailure(outcome)) throw outcome.error;
      return outcome;
    });
  }

  /**
   * `run` for a key just claimed in the in-memory store: what runMany does for one key (the same
   * `settle` step), without its arrays and promise layers (this is the single-event request path).
   */
  private writeClaimedNow(immediate: ImmediateClaims, key: string, write: () => Promise<StoredResult>): Promise<IdempotentOutcome> {
    const inFlight: InFlight = {
      single: write().then(
        (result): IdempotentOutcome => {
          this.settle(key, result, immediate);
          this.landed(key, inFlight);
          return { result, duplicate: false };
        },
        (error: unknown) => {
          this.settle(key, { error }, immediate);
          this.landed(key, inFlight);
          throw error;
        },
      ),
    };
    // A concurrent request for the same key waits on this write, as it would on a batch.
    this.inFlight.set(key, inFlight);
    return inFlight.single;
  }

  /**
   * The one step after a claimed key's write, whatever the path: the store learns the result, or that
   * the key is free again (the write failed, so a retry may write); a write in doubt (timed out, may
   * still land) keeps its claim until it settles, so a retry cannot write the event twice.
   */
  private settle(key: string, written: StoredResult | { error: unknown }, settlement: Settlement): void {
    if (!('error' in written)) settlement.complete(key, written);
    else if (isInDoubt(written.error)) this.holdUntilSettled(key, written.error.settled);
    else settlement.release(key);
  }

  /** A key's write is over: later requests for it go to the store (or to its in-doubt hold). */
  private landed(key: string, inFlight: InFlight): void {
    if (this.inFlight.get(key) === inFlight) this.inFlight.delete(key);
  }

  /**
   * `keys[i]` identifies record i. A key seen earlier in the same batch, or being written by a
   * concurrent request, gets that write's outcome as a duplicate. Never rejects: failures are per key.
   */
  runMany(keys: readonly string[], write: BatchWrite): Promise<BatchItemOutcome[]> {
    const mine: number[] = [];
    // Slots answered by another slot of this batch (`earlier`) or by a concurrent request's batch (`other`).
    const waits: Array<{ index: number; earlier?: number; other?: InFlight }> = [];
    const firstInBatch = new Map<string, number>();
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const earlier = firstInBatch.get(key);
      if (earlier !== undefined) {
        waits.push({ index: i, earlier });
        continue;
      }
      firstInBatch.set(key, i);
      const other = this.inFlight.get(key) ?? this.awaitInDoubt(key);
      if (other) waits.push({ index: i, other });
      else mine.push(i);
    }
    const batch = this.claimAndWrite(keys, mine, write);
    // Registered before the first await, so a concurrent request for the same key waits on this batch.
    for (const index of mine) this.inFlight.set(keys[index], { batch, index });
    const done =
      waits.length === 0
        ? batch
        : batch.then(async (own) => {
            for (const { index, earlier, other } of waits) {
              const first = other ? await outcomeOf(other) : own[earlier!];
              own[index] = isFailure(first) ? first : { result: first.result, duplicate: true };
            }
            return own;
          });
    return done.finally(() => {
      for (const index of mine) {
        const inFlight = this.inFlight.get(keys[index]);
        if (inFlight && 'batch' in inFlight && inFlight.batch === batch) this.inFlight.delete(keys[index]);
      }
    });
  }

  /** Claims `mine`, writes what was claimed, records the results; other slots are filled by the caller. */
  private claimAndWrite(keys: readonly string[], mine: number[], write: BatchWrite): Promise<BatchItemOutcome[]> {
    const outcomes: BatchItemOutcome[] = new Array(keys.length);
    if (mine.length === 0) return Promise.resolve(outcomes);
    const claimKeys = mine.map((i) => keys[i]);
    // The in-memory store answers in the same tick: no promise per call on the request path.
    const immediate = this.store.immediate;
    if (immediate) return this.writeClaimed(keys, mine, write, outcomes, immediate.claimMany(claimKeys));
    return this.store.claimMany(claimKeys).then(
      (claims) => this.writeClaimed(keys, mine, write, outcomes, claims),
      async () => {
        // Some keys may have been claimed before the store failed: let a retry claim them again.
        await this.store.releaseMany(claimKeys).catch(() => undefined);
        for (const i of mine) outcomes[i] = { error: storeUnavailable() };
        return outcomes;
      },
    );
  }

  private async writeClaimed(keys: readonly string[], mine: number[], write: BatchWrite, outcomes: BatchItemOutcome[], claims: ClaimOutcome[]): Promise<BatchItemOutcome[]> {
    const claimed: number[] = [];
    const elsewhere: Array<Promise<void>> = [];
    claims.forEach((claim, n) => {
      const index = mine[n];
      if (claim.state === 'done') outcomes[index] = { result: claim.result, duplicate: true };
      else if (claim.state === 'claimed') claimed.push(index);
      else {
        // Another instance is writing this event: wait for its result, or for its claim to go away.
        elsewhere.push(
          this.claimAfterOther(keys[index], () => this.writeOne(write, index)).then(
            (outcome) => void (outcomes[index] = outcome),
            (error: unknown) => void (outcomes[index] = { error }),
          ),
        );
      }
    });
    if (claimed.length > 0) {
      let results: Array<StoredResult | { error: unknown }>;
      try {
        results = await write(claimed);
      } catch (error) {
        results = claimed.map(() => ({ error }));
      }
      const settlement = new CollectedSettlement();
      results.forEach((result, n) => {
        const index = claimed[n];
        outcomes[index] = 'error' in result ? result : { result, duplicate: false };
        this.settle(keys[index], result, settlement);
      });
      const { completed, released } = settlement;
      // The events are in Kafka: a failure to remember them only weakens deduplication, so the answers stand.
      const immediate = this.store.immediate;
      if (immediate) {
        if (released.length > 0) immediate.releaseMany(released);
        if (completed.length > 0) immediate.completeMany(completed);
      } else {
        await Promise.all([
          released.length > 0 ? this.store.releaseMany(released).catch(() => undefined) : undefined,
          completed.length > 0 ? this.store.completeMany(completed).catch(() => undefined) : undefined,
        ]);
      }
    }
    if (elsewhere.length > 0) await Promise.all(elsewhere);
    return outcomes;
  }

  /**
   * Keeps the claim of a write that timed out: the store learns its result when it lands (so a
   * retry, here or on another instance, gets the first answer), or the claim is released if it failed.
   */
  private holdUntilSettled(key: string, settled: Promise<StoredResult | undefined>): void {
    const outcome = settled.catch(() => undefined);
    this.inDoubt.set(key, outcome);
    void outcome
      .then((result) => (result ? this.store.complete(key, result) : this.store.release(key)))
      .catch(() => undefined)
      .finally(() => {
        if (this.inDoubt.get(key) === outcome) this.inDoubt.delete(key);
      });
  }

  /** A request for a key whose earlier write is in doubt waits (bounded) for that write's outcome. */
  private awaitInDoubt(key: string): InFlight | undefined {
    const settled = this.inDoubt.get(key);
    if (!settled) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const bounded = new Promise<BatchItemOutcome[]>((resolve) => {
      timer = setTimeout(() => resolve([{ error: stillInProgress() }]), this.pendingWaitMs);
      void settled.then((result) =>
        resolve([result ? { result, duplicate: true } : { error: new PlatformError(503, 'SERVICE_UNAVAILABLE', 'Kafka is unavailable; the event was not written', null, 1) }]),
      );
    }).finally(() => clearTimeout(timer));
    return { batch: bounded, index: 0 };
  }

  private async writeOne(write: BatchWrite, index: number): Promise<StoredResult> {
    const [result] = await write([index]);
    if ('error' in result) throw result.error;
    return result;
  }

  /** The slow path for a key another instance holds: wait, claim again, write if it becomes ours. */
  private async claimAfterOther(key: string, write: () => Promise<StoredResult>): Promise<IdempotentOutcome> {
    const deadline = Date.now() + this.pendingWaitMs;
    for (;;) {
      const waited = await this.waitForOther(key, deadline);
      if (waited) return { result: waited, duplicate: true };
      const claim = await this.storeCall(() => this.store.claim(key));
      if (claim.state === 'done') return { result: claim.result, duplicate: true };
      if (claim.state === 'claimed') break;
    }
    const written = await write().catch((error: unknown) => ({ error }));
    let stored: Promise<void> | undefined;
    this.settle(key, written, {
      complete: (claimed, result) => void (stored = this.store.complete(claimed, result).catch(() => undefined)),
      release: (claimed) => void (stored = this.store.release(claimed).catch(() => undefined)),
    });
    await stored;
    if ('error' in written) throw written.error;
    return { result: written, duplicate: false };
  }

  private async waitForOther(key: string, deadline: number): Promise<StoredResult | undefined> {
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, this.pollMs));
      const peek = await this.storeCall(() => this.store.peek(key));
      if (peek.state === 'done') return peek.result;
      if (peek.state === 'absent') return undefined;
    }
    throw stillInProgress();
  }

  private async storeCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch {
      throw storeUnavailable();
    }
  }
}

function stillInProgress(): PlatformError {
  return new PlatformError(409, 'DUPLICATE_IN_PROGRESS', 'an event with this event_id is being written; retry shortly', null, 1);
}

function storeUnavailable(): PlatformError {
  return new PlatformError(503, 'SERVICE_UNAVAILABLE', 'the idempotency store is unavailable', null, 1);
}
