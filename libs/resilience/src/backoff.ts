/** Exponential backoff with jitter: delay(attempt) = min(base * 2^attempt, max) + uniform(0, 10% of it). */
export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  /** Fraction of the delay added as random jitter; 0.1 by default. */
  jitterRatio?: number;
}

export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exponential = Math.min(options.baseDelayMs * 2 ** Math.max(0, attempt), options.maxDelayMs);
  return exponential + random() * exponential * (options.jitterRatio ?? 0.1);
}

export interface RetryOptions extends BackoffOptions {
  maxAttempts: number;
  /** Return false for errors that retrying cannot fix. */
  retryable?: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class RetriesExhaustedError extends Error {
  constructor(public readonly attempts: number, public readonly lastError: unknown) {
    super(`gave up after ${attempts} attempts: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
    this.name = 'RetriesExhaustedError';
  }
}

/** Runs `task` up to maxAttempts times, sleeping backoffDelay between failures. */
export async function withRetry<T>(task: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? defaultSleep;
  let lastError: unknown;
  for (let attempt = 0; attempt < options.maxAttempts; attempt++) {
    try {
      return await task(attempt);
    } catch (error) {
      lastError = error;
      if (options.retryable && !options.retryable(error)) throw error;
      if (attempt + 1 >= options.maxAttempts) break;
      const delay = backoffDelay(attempt, options, options.random);
      options.onRetry?.(error, attempt + 1, delay);
      await sleep(delay);
    }
  }
  throw new RetriesExhaustedError(options.maxAttempts, lastError);
}

/** Rejects with `message` when `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]);
}
