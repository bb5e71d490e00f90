import fc from 'fast-check';
import { backoffDelay, RetriesExhaustedError, TimeoutError, withRetry, withTimeout } from './backoff';

describe('backoffDelay (seed 003 property 16)', () => {
  it('grows exponentially, is capped, and jitter stays within 10%', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 600000 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (attempt, base, max, r) => {
          const expected = Math.min(base * 2 ** attempt, max);
          const delay = backoffDelay(attempt, { baseDelayMs: base, maxDelayMs: max }, () => r);
          expect(delay).toBeGreaterThanOrEqual(expected);
          expect(delay).toBeLessThanOrEqual(expected * 1.1 + 1e-9);
        },
      ),
    );
  });

  it('with fullJitter, the whole delay is random up to the capped exponential', () => {
    const bound = (attempt: number, r: number) => backoffDelay(attempt, { baseDelayMs: 50, maxDelayMs: 1000, fullJitter: true }, () => r);
    expect([0, 1, 2, 3, 4, 5].map((a) => bound(a, 0.5))).toEqual([25, 50, 100, 200, 400, 500]);
    expect(bound(3, 0)).toBe(0);
  });

  it('is non-decreasing in the attempt number without jitter', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, { baseDelayMs: 100, maxDelayMs: 3000 }, () => 0));
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3000, 3000]);
  });
});

describe('withRetry', () => {
  it('retries until success and sleeps the backoff delays between attempts', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw new Error('transient');
        return 'ok';
      },
      { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 1000, sleep: async (ms) => void sleeps.push(ms), random: () => 0 },
    );
    expect(result).toBe('ok');
    expect(sleeps).toEqual([10, 20]);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const promise = withRetry(async () => Promise.reject(new Error('down')), {
      maxAttempts: 3,
      baseDelayMs: 1,
      maxDelayMs: 1,
      sleep: async () => undefined,
    });
    await expect(promise).rejects.toBeInstanceOf(RetriesExhaustedError);
    await expect(promise).rejects.toThrow(/3 attempts: down/);
  });

  it('does not retry errors marked non-retryable', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Error('bad input');
        },
        { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 1, retryable: () => false, sleep: async () => undefined },
      ),
    ).rejects.toThrow('bad input');
    expect(calls).toBe(1);
  });

  it('with maxElapsedMs, gives up instead of sleeping past the bound (fake clock)', async () => {
    let clock = 0;
    const sleeps: number[] = [];
    const promise = withRetry(async () => Promise.reject(new Error('down')), {
      maxAttempts: Number.POSITIVE_INFINITY,
      maxElapsedMs: 1000,
      baseDelayMs: 100,
      maxDelayMs: 10_000,
      random: () => 0,
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
    });
    // 100 + 200 + 400 = 700 ms slept; the next 800 ms would end at 1500 > 1000.
    await expect(promise).rejects.toThrow(/4 attempts: down/);
    expect(sleeps).toEqual([100, 200, 400]);
  });
});

describe('withTimeout', () => {
  it('rejects with a retriable TimeoutError carrying the message', async () => {
    const promise = withTimeout(new Promise(() => undefined), 5, 'no answer within 5 ms');
    await expect(promise).rejects.toBeInstanceOf(TimeoutError);
    await expect(promise).rejects.toMatchObject({ message: 'no answer within 5 ms', retriable: true });
  });

  it('resolves with the value in time and leaves no timer behind (fake timers)', async () => {
    jest.useFakeTimers();
    try {
      await expect(withTimeout(Promise.resolve('ok'), 60_000, 'late')).resolves.toBe('ok');
      expect(jest.getTimerCount()).toBe(0);
      await expect(withTimeout(Promise.reject(new Error('refused')), 60_000, 'late')).rejects.toThrow('refused');
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('names its errors, so logs and classifiers can tell them apart', () => {
    expect(new TimeoutError('m').name).toBe('TimeoutError');
    expect(new RetriesExhaustedError(2, 'x').name).toBe('RetriesExhaustedError');
    expect(new RetriesExhaustedError(2, 'x').message).toBe('gave up after 2 attempts: x');
  });
});

describe('withRetry with no attempts allowed', () => {
  it('never calls the task', async () => {
    const task = jest.fn(async () => 'ok');
    await expect(withRetry(task, { maxAttempts: 0, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => undefined })).rejects.toThrow(
      'gave up after 0 attempts: undefined',
    );
    expect(task).not.toHaveBeenCalled();
  });
});
