/**
 * Writing with retries (seed 003 property 16): transient failures back off exponentially with jitter
 * until the write works; data failures are retried, then the batch is split so one bad record goes to
 * the DLQ alone and its neighbours are written. Sleeps are recorded, not waited.
 */
import { deliver, DeliveryOptions, SinkStoppedError } from './deliver';

class TransientError extends Error {}

function options(overrides: Partial<DeliveryOptions> = {}): DeliveryOptions & { delays: number[]; retries: Array<'transient' | 'data'> } {
  const delays: number[] = [];
  const retries: Array<'transient' | 'data'> = [];
  return {
    maxAttempts: 3,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    isTransient: (e) => e instanceof TransientError,
    split: true,
    sleep: async (ms) => void delays.push(ms),
    random: () => 0.5,
    onRetry: (_e, kind) => void retries.push(kind),
    delays,
    retries,
    ...overrides,
  };
}

describe('deliver: retries with backoff and jitter, then the DLQ', () => {
  it('retries a transient failure with exponential, capped, jittered delays until it succeeds', async () => {
    let calls = 0;
    const o = options();
    const result = await deliver([1, 2, 3], async () => {
      if (++calls <= 6) throw new TransientError('connection refused');
    }, o);
    expect(result).toEqual({ failed: [], whole: true });
    // base 100 * 2^n capped at 1000, plus 10% * random (0.5) = 5% jitter
    expect(o.delays).toEqual([105, 210, 420, 840, 1050, 1050]);
    expect(o.retries).toEqual(Array(6).fill('transient'));
  });

  it('jitter spreads the delays of equal attempts', async () => {
    const a = options({ random: () => 0 });
    const b = options({ random: () => 0.99 });
    for (const o of [a, b]) {
      let calls = 0;
      await deliver([1], async () => {
        if (++calls === 1) throw new TransientError('timeout');
      }, o);
    }
    expect(a.delays[0]).toBe(100);
    expect(b.delays[0]).toBeCloseTo(109.9);
  });

  it('isolates one poison record after the retries: it is returned for the DLQ with its error, the rest are written', async () => {
    const written: number[] = [];
    const o = options();
    const result = await deliver([1, 2, 3, 4, 5, 6, 7], async (items) => {
      if (items.includes(5)) throw new Error('value out of range for record 5');
      written.push(...items);
    }, o);
    expect(result.whole).toBe(false);
    expect(result.failed.map((f) => [f.item, f.error.message])).toEqual([[5, 'value out of range for record 5']]);
    expect(written.sort()).toEqual([1, 2, 3, 4, 6, 7]);
    // The whole batch was tried maxAttempts times (two backoffs) before splitting.
    expect(o.retries.slice(0, 2)).toEqual(['data', 'data']);
  });

  it('without splitting, the whole failing batch goes to the DLQ after maxAttempts', async () => {
    let calls = 0;
    const result = await deliver(['a', 'b'], async () => {
      calls++;
      throw new Error('bad');
    }, options({ split: false }));
    expect(calls).toBe(3);
    expect(result.failed.map((f) => f.item)).toEqual(['a', 'b']);
  });

  it('stopping abandons a transient retry loop (the records stay in Kafka, nothing is dead-lettered)', async () => {
    let stopping = false;
    const o = options({ isStopping: () => stopping });
    await expect(
      deliver([1], async () => {
        stopping = true;
        throw new TransientError('down');
      }, o),
    ).rejects.toBeInstanceOf(SinkStoppedError);
  });

  it('writes in this exact sequence around a poison record: the batch maxAttempts times, then halves (left first, larger left) once each', async () => {
    const calls: number[][] = [];
    const o = options();
    const result = await deliver([1, 2, 3, 4, 5, 6, 7], async (items) => {
      calls.push([...items]);
      if (items.includes(5)) throw new Error('bad 5');
    }, o);
    expect(calls).toEqual([[1, 2, 3, 4, 5, 6, 7], [1, 2, 3, 4, 5, 6, 7], [1, 2, 3, 4, 5, 6, 7], [1, 2, 3, 4], [5, 6, 7], [5, 6], [5], [6], [7]]);
    expect(o.delays).toEqual([105, 210]);
    expect(o.retries).toEqual(['data', 'data']);
    expect(result).toEqual({ failed: [{ item: 5, error: new Error('bad 5') }], whole: false });
  });

  it('transient failures inside a data attempt do not use up the data attempts', async () => {
    const calls: string[] = [];
    const o = options({ maxAttempts: 2 });
    const failures = [new TransientError('t1'), new Error('d1'), new TransientError('t2'), new TransientError('t3')];
    const result = await deliver(['a'], async () => {
      const failure = failures.shift();
      calls.push(failure?.message ?? 'ok');
      if (failure) throw failure;
    }, o);
    expect(calls).toEqual(['t1', 'd1', 't2', 't3', 'ok']);
    expect(o.retries).toEqual(['transient', 'data', 'transient', 'transient']);
    // Each loop counts its own attempts: transient 0, data 0, then transient 0 and 1 in the second data attempt.
    expect(o.delays).toEqual([105, 105, 105, 210]);
    expect(result).toEqual({ failed: [], whole: true });
  });

  it('a batch of one is not split: it goes to the DLQ with the last error, also when something other than an Error was thrown', async () => {
    let calls = 0;
    const result = await deliver(['only'], async () => {
      calls++;
      throw `failure ${calls}`;
    }, options());
    expect(calls).toBe(3);
    expect(result.whole).toBe(false);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0].item).toBe('only');
    expect(result.failed[0].error).toBeInstanceOf(Error);
    expect(result.failed[0].error.message).toBe('failure 3');
  });

  it('is whole when the first write works, and writes nothing while stopping', async () => {
    const written: number[][] = [];
    expect(await deliver([1, 2], async (items) => void written.push(items), options())).toEqual({ failed: [], whole: true });
    expect(written).toEqual([[1, 2]]);
    await expect(deliver([3], async (items) => void written.push(items), options({ isStopping: () => true }))).rejects.toThrow(new SinkStoppedError());
    expect(written).toEqual([[1, 2]]);
  });

  it('stops retrying data errors when the sink stops during the backoff', async () => {
    let stopping = false;
    let calls = 0;
    const o = options({ isStopping: () => stopping, sleep: async () => void (stopping = true) });
    await expect(
      deliver([1, 2], async () => {
        calls++;
        throw new Error('bad');
      }, o),
    ).rejects.toBeInstanceOf(SinkStoppedError);
    expect(calls).toBe(1);
  });

  it('retries a data error without an onRetry callback', async () => {
    let calls = 0;
    const { onRetry: _unused, ...withoutCallback } = options();
    const result = await deliver([1], async () => {
      if (++calls === 1) throw new Error('bad once');
    }, withoutCallback);
    expect(result).toEqual({ failed: [], whole: true });
    expect(calls).toBe(2);
  });

  it('names its stop error', () => {
    expect(new SinkStoppedError()).toMatchObject({ name: 'SinkStoppedError', message: 'sink is stopping' });
  });
});
