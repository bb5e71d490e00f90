/**
 * Exponential backoff with jitter: delay(attempt) = min(base * 2^attempt, max) + uniform(0, 10% of it),
 * or with `fullJitter` uniform(0, min(base * 2^attempt, max)).
 */
export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  /** Fraction of the delay added as random jitter; 0.1 by default. */
  jitterRatio?: number;
  /** The whole delay is random up to the exponential bound: callers that contend with each other fall out of step. */
  fullJitter?: boolean;
}

export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exponential = Math.min(options.baseDelayMs * 2 ** Math.max(0, attempt), options.maxDelayMs);
  if (options.fullJitter) return random() * exponential;
  return exponential + random() * exponential * (options.jitterRatio ?? 0.1);
}

export interface RetryOptions extends BackoffOptions {
  /** May be Infinity when maxElapsedMs bounds the retries instead. */
  maxAttempts: number;
  /** Gives up instead of sleeping past this many ms since the first attempt began. */
  maxElapsedMs?: number;
  /** Return false for errors that retrying cannot fix. */
  retryable?: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class RetriesExhaustedError extends Error {
  constructor(
    public readonly attempts: number,
    public readonly lastError: unknown,
  ) {
    super(`gave up after ${attempts} attempts: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
    this.name = 'RetriesExhaustedError';
  }
}

/**
 * Runs `task` up to maxAttempts times, sleeping backoffDelay between failures; with maxElapsedMs it
 * also gives up when the next sleep would end past that time since the first attempt.
 */
export async function withRetry<T>(task: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const started = now();
  let lastError: unknown;
  let attempts = 0;
  while (attempts < options.maxAttempts) {
    try {
      return await task(attempts);
    } catch (error) {
      attempts++;
      lastError = error;
      if (options.retryable && !options.retryable(error)) throw error;
      if (attempts >= options.maxAttempts) break;
      const delay = backoffDelay(attempts - 1, options, options.random);
      if (options.maxElapsedMs !== undefined && now() - started + delay > options.maxElapsedMs) break;
      options.onRetry?.(error, attempts, delay);
      await sleep(delay);
    }
  }
  throw new RetriesExhaustedError(attempts, lastError);
}

/** A call that did not settle in time; retrying may help. */
export class TimeoutError extends Error {
  readonly retriable = true;
  constructor(message: string) {
    super(message);
    this.name = 'TimeoutError';
  }
}

/** Rejects with a TimeoutError carrying `message` when `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(message)), ms);
    }),
  ]);
}
