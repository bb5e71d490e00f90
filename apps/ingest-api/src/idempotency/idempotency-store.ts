/**
 * Where the first result of each event id is kept for the idempotency window. `claim` is atomic:
 * exactly one caller gets "claimed" for a key until it completes (result stored for the full
 * window) or releases it (the write failed, so a retry may write). A claim left by a crashed
 * instance expires after `claimTtlMs`.
 */
export interface StoredResult {
  status: 'published';
  event_id: string;
  topic: string;
  partition: number;
  offset: number;
  timestamp: string;
}

export type ClaimOutcome = { state: 'claimed' } | { state: 'pending' } | { state: 'done'; result: StoredResult };
export type PeekOutcome = { state: 'absent' } | { state: 'pending' } | { state: 'done'; result: StoredResult };

/** The batch calls of a store that answers in the same tick (process memory): called without promises. */
export interface ImmediateClaims {
  claim(key: string): ClaimOutcome;
  complete(key: string, result: StoredResult): void;
  release(key: string): void;
  claimMany(keys: readonly string[]): ClaimOutcome[];
  completeMany(items: ReadonlyArray<readonly [string, StoredResult]>): void;
  releaseMany(keys: readonly string[]): void;
}

export interface IdempotencyStore {
  /** Set by a store whose answers need no I/O. */
  readonly immediate?: ImmediateClaims;
  claim(key: string): Promise<ClaimOutcome>;
  /** `claim` for many keys in one call (one round trip where the store allows), outcomes in order. */
  claimMany(keys: readonly string[]): Promise<ClaimOutcome[]>;
  complete(key: string, result: StoredResult): Promise<void>;
  completeMany(items: ReadonlyArray<readonly [string, StoredResult]>): Promise<void>;
  release(key: string): Promise<void>;
  releaseMany(keys: readonly string[]): Promise<void>;
  peek(key: string): Promise<PeekOutcome>;
  close(): Promise<void>;
}

export interface IdempotencyWindow {
  ttlMs: number;
  claimTtlMs: number;
}
