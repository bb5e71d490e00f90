/**
 * Writing a batch with retries (seed 003 property 16). Two kinds of failure:
 *  - transient (connection lost, lock held, 5xx): the destination is unavailable, not the data; retried
 *    with capped exponential backoff and jitter until it works or the sink stops. Records wait in Kafka.
 *  - anything else: retried `maxAttempts` times with backoff; then, when the batch can be split, each
 *    half is tried once on its own (recursively) so one bad record cannot sink its neighbours; what still
 *    fails is returned for the dead-letter queue with the error.
 */
import { RetriesExhaustedError, withRetry } from '@platform/runtime';

export class SinkStoppedError extends Error {
  constructor() {
    super('sink is stopping');
    this.name = 'SinkStoppedError';
  }
}

export interface DeliveryOptions {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  isTransient: (error: unknown) => boolean;
  /** Split a failing batch in halves to isolate bad records. */
  split: boolean;
  isStopping?: () => boolean;
  onRetry?: (error: unknown, kind: 'transient' | 'data', delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface DeliveryResult<T> {
  failed: Array<{ item: T; error: Error }>;
  /** True when the whole batch went through in one write (false after a split). */
  whole: boolean;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** One write that retries transient failures until it succeeds or the sink stops. */
async function writeRetryingTransient<T>(items: T[], write: (items: T[]) => Promise<void>, options: DeliveryOptions): Promise<void> {
  await withRetry(
    async () => {
      if (options.isStopping?.()) throw new SinkStoppedError();
      await write(items);
    },
    {
      maxAttempts: Number.POSITIVE_INFINITY,
      baseDelayMs: options.baseDelayMs,
      maxDelayMs: options.maxDelayMs,
      retryable: (error) => !(error instanceof SinkStoppedError) && options.isTransient(error) && !options.isStopping?.(),
      onRetry: (error, _attempt, delay) => options.onRetry?.(error, 'transient', delay),
      sleep: options.sleep,
      random: options.random,
    },
  );
}

async function attempt<T>(
  items: T[],
  write: (items: T[]) => Promise<void>,
  options: DeliveryOptions,
  maxAttempts: number,
): Promise<DeliveryResult<T>> {
  try {
    await withRetry(() => writeRetryingTransient(items, write, options), {
      maxAttempts,
      baseDelayMs: options.baseDelayMs,
      maxDelayMs: options.maxDelayMs,
      retryable: (error) => !(error instanceof SinkStoppedError),
      onRetry: (error, _attempt, delay) => options.onRetry?.(error, 'data', delay),
      sleep: options.sleep,
      random: options.random,
    });
    return { failed: [], whole: true };
  } catch (error) {
    if (error instanceof SinkStoppedError) throw error;
    const cause = asError(error instanceof RetriesExhaustedError ? error.lastError : error);
    if (!options.split || items.length <= 1) return { failed: items.map((item) => ({ item, error: cause })), whole: false };
    const middle = Math.ceil(items.length / 2);
    // A data error is deterministic: the halves get one attempt each.
    const left = await attempt(items.slice(0, middle), write, options, 1);
    const right = await attempt(items.slice(middle), write, options, 1);
    return { failed: [...left.failed, ...right.failed], whole: false };
  }
}

export function deliver<T>(items: T[], write: (items: T[]) => Promise<void>, options: DeliveryOptions): Promise<DeliveryResult<T>> {
  return attempt(items, write, options, options.maxAttempts);
}
