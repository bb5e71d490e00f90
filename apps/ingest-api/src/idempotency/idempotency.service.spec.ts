import { PlatformError } from '@platform/contracts';
import { IdempotencyService, isFailure } from './idempotency.service';
import { MemoryIdempotencyStore } from './memory-idempotency-store';
import { IdempotencyStore, StoredResult } from './idempotency-store';

const stored = (id: string, offset: number): StoredResult => ({ status: 'published', event_id: id, topic: 't', partition: 0, offset, timestamp: '2024-01-01T00:00:00.000Z' });

function setup() {
  const store = new MemoryIdempotencyStore({ ttlMs: 60_000, claimTtlMs: 60_000 }, 1_000);
  const service = new IdempotencyService(store, 200, 5);
  const written: string[] = [];
  let offset = 0;
  /** Writes the keys at the given indices, failing those named in `fail`. */
  const writer = (keys: string[], fail: Set<string> = new Set()) => async (indices: number[]) =>
    indices.map((i) => {
      if (fail.has(keys[i])) return { error: new PlatformError(503, 'SERVICE_UNAVAILABLE', 'down') };
      written.push(keys[i]);
      return stored(keys[i], offset++);
    });
  return { store, service, written, writer };
}

describe('IdempotencyService.runMany', () => {
  it('writes each new key once and answers in order', async () => {
    const { service, written, writer } = setup();
    const keys = ['a', 'b', 'c'];
    const outcomes = await service.runMany(keys, writer(keys));
    expect(written).toEqual(['a', 'b', 'c']);
    expect(outcomes).toEqual([
      { result: stored('a', 0), duplicate: false },
      { result: stored('b', 1), duplicate: false },
      { result: stored('c', 2), duplicate: false },
    ]);
  });

  it('answers a key repeated in the same batch with the first write, as a duplicate', async () => {
    const { service, written, writer } = setup();
    const keys = ['a', 'b', 'a', 'a'];
    const outcomes = await service.runMany(keys, writer(keys));
    expect(written).toEqual(['a', 'b']);
    expect(outcomes[2]).toEqual({ result: stored('a', 0), duplicate: true });
    expect(outcomes[3]).toEqual({ result: stored('a', 0), duplicate: true });
  });

  it('answers a retried key with the first result, without writing again', async () => {
    const { service, written, writer } = setup();
    await service.runMany(['a'], writer(['a']));
    const keys = ['b', 'a'];
    const outcomes = await service.runMany(keys, writer(keys));
    expect(written).toEqual(['a', 'b']);
    expect(outcomes[1]).toEqual({ result: stored('a', 0), duplicate: true });
  });

  it('lets concurrent batches share one write per key', async () => {
    const { service, written, writer } = setup();
    const first = ['a', 'b'];
    const second = ['b', 'c'];
    const [one, two] = await Promise.all([service.runMany(first, writer(first)), service.runMany(second, writer(second))]);
    expect(written.sort()).toEqual(['a', 'b', 'c']);
    expect(one[1]).toEqual({ result: stored('b', 1), duplicate: false });
    expect(two[0]).toEqual({ result: stored('b', 1), duplicate: true });
  });

  it('fails only the keys whose write failed, and lets a retry write them', async () => {
    const { service, written, writer } = setup();
    const keys = ['a', 'b', 'b'];
    const outcomes = await service.runMany(keys, writer(keys, new Set(['b'])));
    expect(isFailure(outcomes[0])).toBe(false);
    expect(isFailure(outcomes[1]) && (outcomes[1].error as PlatformError).status).toBe(503);
    expect(isFailure(outcomes[2])).toBe(true);
    const retry = await service.runMany(['b'], writer(['b']));
    expect(retry[0]).toEqual({ result: stored('b', 1), duplicate: false });
    expect(written).toEqual(['a', 'b']);
  });

  it('fails every key of a write that throws, and releases their claims', async () => {
    const { service, store } = setup();
    const outcomes = await service.runMany(['a', 'b'], async () => {
      throw new Error('broken');
    });
    expect(outcomes.every(isFailure)).toBe(true);
    expect(await store.peek('a')).toEqual({ state: 'absent' });
  });

  it('waits for a claim held elsewhere and returns its result as a duplicate', async () => {
    const { service, store, written, writer } = setup();
    await store.claim('a'); // another instance is writing a
    setTimeout(() => void store.complete('a', stored('a', 99)), 20);
    const keys = ['a', 'b'];
    const outcomes = await service.runMany(keys, writer(keys));
    expect(outcomes[0]).toEqual({ result: stored('a', 99), duplicate: true });
    expect(written).toEqual(['b']);
  });

  it('answers 409 when a claim held elsewhere outlasts the wait', async () => {
    const { service, store, writer } = setup();
    await store.claim('a');
    const [outcome] = await service.runMany(['a'], writer(['a']));
    expect(isFailure(outcome) && (outcome.error as PlatformError).status).toBe(409);
  });
});

describe('IdempotencyService.run', () => {
  it('writes once and returns the first answer to a retry', async () => {
    const { service } = setup();
    let calls = 0;
    const write = async () => stored('a', calls++);
    expect(await service.run('a', write)).toEqual({ result: stored('a', 0), duplicate: false });
    expect(await service.run('a', write)).toEqual({ result: stored('a', 0), duplicate: true });
    expect(calls).toBe(1);
  });

  it('lets concurrent runs and batches of one key share its one write', async () => {
    const { service } = setup();
    let calls = 0;
    let finish!: (result: StoredResult) => void;
    const first = service.run('a', () => {
      calls++;
      return new Promise<StoredResult>((resolve) => (finish = resolve));
    });
    const second = service.run('a', async () => stored('a', calls++));
    const batch = service.runMany(['a', 'b'], async (indices) => indices.map((i) => stored(['a', 'b'][i], 10 + calls++)));
    finish(stored('a', 7));
    expect(await first).toEqual({ result: stored('a', 7), duplicate: false });
    expect(await second).toEqual({ result: stored('a', 7), duplicate: true });
    expect((await batch)[0]).toEqual({ result: stored('a', 7), duplicate: true });
    expect(calls).toBe(2); // the first run's write and the batch's write of b
  });

  it('keeps the key of a run whose write is in doubt until that write settles', async () => {
    const { service, store } = setup();
    let land!: (result: StoredResult | undefined) => void;
    const settled = new Promise<StoredResult | undefined>((resolve) => (land = resolve));
    const error = Object.assign(new PlatformError(503, 'SERVICE_UNAVAILABLE', 'not acknowledged in time'), { settled });
    await expect(service.run('a', async () => Promise.reject(error))).rejects.toBe(error);
    expect(await store.peek('a')).toEqual({ state: 'pending' });
    const retry = service.run('a', async () => stored('a', 99));
    land(stored('a', 3));
    expect(await retry).toEqual({ result: stored('a', 3), duplicate: true });
  });

  it('rethrows the write error and lets a retry write', async () => {
    const { service } = setup();
    await expect(service.run('a', async () => Promise.reject(new PlatformError(503, 'SERVICE_UNAVAILABLE', 'down')))).rejects.toMatchObject({ status: 503 });
    expect(await service.run('a', async () => stored('a', 5))).toEqual({ result: stored('a', 5), duplicate: false });
  });
});

describe('IdempotencyService with the in-memory store', () => {
  it('claims and records through its immediate calls, never its promise-returning ones', async () => {
    const store = new MemoryIdempotencyStore({ ttlMs: 60_000, claimTtlMs: 60_000 }, 1_000);
    const viaPromises = jest.spyOn(store, 'claimMany');
    const completing = jest.spyOn(store, 'completeMany');
    const service = new IdempotencyService(store, 200, 5);
    expect(await service.run('k', async () => stored('k', 1))).toEqual({ result: stored('k', 1), duplicate: false });
    expect(await service.run('k', async () => stored('k', 2))).toEqual({ result: stored('k', 1), duplicate: true });
    expect(viaPromises).not.toHaveBeenCalled();
    expect(completing).not.toHaveBeenCalled();
  });
});

describe('IdempotencyService with a failing store', () => {
  it('answers 503 for every key, writes nothing and releases what was claimed before the failure', async () => {
    const store = new MemoryIdempotencyStore({ ttlMs: 60_000, claimTtlMs: 60_000 }, 1_000);
    // The store claims the first key, then fails (as a store reached over the network can).
    const failing = Object.assign(Object.create(store) as MemoryIdempotencyStore, {
      immediate: undefined,
      claimMany: async (keys: readonly string[]) => {
        await store.claim(keys[0]);
        throw new Error('connection lost');
      },
    });
    const service = new IdempotencyService(failing, 200, 5);
    let writes = 0;
    const outcomes = await service.runMany(['a', 'b'], async (indices) => {
      writes += indices.length;
      return indices.map((i) => stored(String(i), i));
    });
    expect(writes).toBe(0);
    expect(outcomes.map((o) => isFailure(o) && (o.error as PlatformError).status)).toEqual([503, 503]);
    expect(await store.peek('a')).toEqual({ state: 'absent' });
  });
});

describe('IdempotencyService with a write in doubt (timed out, may still land)', () => {
  function deferred<T>() {
    let resolve!: (value: T) => void;
    const promise = new Promise<T>((r) => (resolve = r));
    return { promise, resolve };
  }
  const inDoubt = (settled: Promise<StoredResult | undefined>) => Object.assign(new PlatformError(503, 'SERVICE_UNAVAILABLE', 'not acknowledged in time'), { settled });

  it('keeps the claim, answers a retry with the late result, and never writes the event twice', async () => {
    const { service, store } = setup();
    const late = deferred<StoredResult | undefined>();
    let writes = 0;
    const first = await service.runMany(['a'], async () => [{ error: inDoubt(late.promise) }]);
    expect(isFailure(first[0]) && (first[0].error as PlatformError).status).toBe(503);
    expect(await store.peek('a')).toEqual({ state: 'pending' });

    const retry = service.runMany(['a'], async (indices) => {
      writes += indices.length;
      return indices.map(() => stored('a', 99));
    });
    late.resolve(stored('a', 3));
    expect(await retry).toEqual([{ result: stored('a', 3), duplicate: true }]);
    expect(writes).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await store.peek('a')).toEqual({ state: 'done', result: stored('a', 3) });
  });

  it('lets another instance on the same store answer the late result once it is stored', async () => {
    const { service, store } = setup();
    const other = new IdempotencyService(store, 500, 5);
    const late = deferred<StoredResult | undefined>();
    await service.runMany(['a'], async () => [{ error: inDoubt(late.promise) }]);
    let writes = 0;
    const retry = other.runMany(['a'], async (indices) => {
      writes += indices.length;
      return indices.map(() => stored('a', 99));
    });
    setTimeout(() => late.resolve(stored('a', 4)), 20);
    expect(await retry).toEqual([{ result: stored('a', 4), duplicate: true }]);
    expect(writes).toBe(0);
  });

  it('releases the key when the write in doubt fails, so the next retry writes', async () => {
    const { service, store, writer } = setup();
    const late = deferred<StoredResult | undefined>();
    await service.runMany(['a'], async () => [{ error: inDoubt(late.promise) }]);
    late.resolve(undefined);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await store.peek('a')).toEqual({ state: 'absent' });
    expect(await service.runMany(['a'], writer(['a']))).toEqual([{ result: stored('a', 0), duplicate: false }]);
  });

  it('answers 409 in progress to a retry while the write stays undecided past the wait', async () => {
    const { service } = setup();
    const never = new Promise<StoredResult | undefined>(() => undefined);
    await service.runMany(['a'], async () => [{ error: inDoubt(never) }]);
    const [outcome] = await service.runMany(['a'], async (indices) => indices.map(() => stored('a', 1)));
    expect(isFailure(outcome) && (outcome.error as PlatformError).errorCode).toBe('DUPLICATE_IN_PROGRESS');
  });
});

/** A fake store reached only through promises (as over the network), backed by the in-memory one, counting its calls. */
class PromiseOnlyStore implements IdempotencyStore {
  readonly calls: string[] = [];
  failing = new Set<string>();
  constructor(readonly inner: MemoryIdempotencyStore) {}
  private call<T>(name: string, run: () => Promise<T>): Promise<T> {
    this.calls.push(name);
    return this.failing.has(name) ? Promise.reject(new Error(`${name} failed`)) : run();
  }
  claim(key: string) {
    return this.call('claim', () => this.inner.claim(key));
  }
  claimMany(keys: readonly string[]) {
    return this.call('claimMany', () => this.inner.claimMany(keys));
  }
  complete(key: string, result: StoredResult) {
    return this.call('complete', () => this.inner.complete(key, result));
  }
  completeMany(items: ReadonlyArray<readonly [string, StoredResult]>) {
    return this.call('completeMany', () => this.inner.completeMany(items));
  }
  release(key: string) {
    return this.call('release', () => this.inner.release(key));
  }
  releaseMany(keys: readonly string[]) {
    return this.call('releaseMany', () => this.inner.releaseMany(keys));
  }
  peek(key: string) {
    return this.call('peek', () => this.inner.peek(key));
  }
  close() {
    return this.call('close', () => this.inner.close());
  }
}

describe('IdempotencyService with a store reached through promises (fake network store)', () => {
  const promiseStore = () => new PromiseOnlyStore(new MemoryIdempotencyStore({ ttlMs: 60_000, claimTtlMs: 60_000 }, 1_000));

  it('claims a batch in one call, then stores its results and releases its failures in one call each', async () => {
    const store = promiseStore();
    const service = new IdempotencyService(store, 200, 5);
    const outcomes = await service.runMany(['a', 'b', 'c'], async (indices) =>
      indices.map((i) => (i === 1 ? { error: new PlatformError(503, 'SERVICE_UNAVAILABLE', 'down') } : stored(['a', 'b', 'c'][i], i))),
    );
    expect(outcomes.map((o) => (isFailure(o) ? 'failed' : o.result.offset))).toEqual([0, 'failed', 2]);
    expect(store.calls).toEqual(['claimMany', 'releaseMany', 'completeMany']);
    expect(await store.inner.peek('a')).toEqual({ state: 'done', result: stored('a', 0) });
    expect(await store.inner.peek('b')).toEqual({ state: 'absent' });
    // All written: nothing to release.
    store.calls.length = 0;
    await service.runMany(['d'], async () => [stored('d', 3)]);
    expect(store.calls).toEqual(['claimMany', 'completeMany']);
    // All failed: nothing to complete.
    store.calls.length = 0;
    await service.runMany(['e'], async () => [{ error: new Error('bad') }]);
    expect(store.calls).toEqual(['claimMany', 'releaseMany']);
  });

  it('keeps the answers when the store fails to remember them', async () => {
    const store = promiseStore();
    store.failing = new Set(['completeMany', 'releaseMany']);
    const service = new IdempotencyService(store, 200, 5);
    const outcomes = await service.runMany(['a', 'b'], async (indices) => indices.map((i) => (i === 0 ? stored('a', 0) : { error: new Error('bad') })));
    expect(outcomes[0]).toEqual({ result: stored('a', 0), duplicate: false });
    expect(isFailure(outcomes[1])).toBe(true);
  });

  it('answers a single run’s duplicate from the store and shuts the store down with the service', async () => {
    const store = promiseStore();
    const service = new IdempotencyService(store, 200, 5);
    expect(await service.run('a', async () => stored('a', 1))).toEqual({ result: stored('a', 1), duplicate: false });
    expect(await service.run('a', async () => stored('a', 2))).toEqual({ result: stored('a', 1), duplicate: true });
    await expect(service.run('b', async () => Promise.reject(new Error('bad')))).rejects.toThrow('bad');
    await service.onApplicationShutdown();
    expect(store.calls.at(-1)).toBe('close');
  });

  it('writes a key itself when another instance’s claim goes away while it waits', async () => {
    const store = promiseStore();
    const service = new IdempotencyService(store, 500, 5);
    await store.inner.claim('a'); // another instance claims a, then fails and releases it
    setTimeout(() => void store.inner.release('a'), 20);
    const outcomes = await service.runMany(['a'], async () => [stored('a', 8)]);
    expect(outcomes).toEqual([{ result: stored('a', 8), duplicate: false }]);
    expect(await store.inner.peek('a')).toEqual({ state: 'done', result: stored('a', 8) });
    expect(store.calls.filter((c) => c === 'claim')).toHaveLength(1);
  });

  it('releases a key it claimed after the wait when its write fails, answering the failure', async () => {
    const store = promiseStore();
    const service = new IdempotencyService(store, 500, 5);
    await store.inner.claim('a');
    setTimeout(() => void store.inner.release('a'), 20);
    const [outcome] = await service.runMany(['a'], async () => [{ error: new PlatformError(503, 'SERVICE_UNAVAILABLE', 'down') }]);
    expect(isFailure(outcome) && (outcome.error as PlatformError).status).toBe(503);
    expect(await store.inner.peek('a')).toEqual({ state: 'absent' });
  });

  it('answers 503 when the store fails while it waits for another instance', async () => {
    const store = promiseStore();
    store.failing = new Set(['peek']);
    const service = new IdempotencyService(store, 500, 5);
    await store.inner.claim('a');
    const [outcome] = await service.runMany(['a'], async () => [stored('a', 1)]);
    expect(isFailure(outcome) && (outcome.error as PlatformError).message).toBe('the idempotency store is unavailable');
  });
});

describe('IdempotencyService: a retry waiting on a write in doubt that fails', () => {
  it('answers 503 Kafka unavailable to the waiting retry', async () => {
    const { service } = setup();
    let fail!: (result: StoredResult | undefined) => void;
    const settled = new Promise<StoredResult | undefined>((resolve) => (fail = resolve));
    await service.runMany(['a'], async () => [{ error: Object.assign(new PlatformError(503, 'SERVICE_UNAVAILABLE', 'not acknowledged in time'), { settled }) }]);
    const retry = service.runMany(['a'], async () => [stored('a', 1)]);
    fail(undefined);
    const [outcome] = await retry;
    expect(isFailure(outcome) && (outcome.error as PlatformError).message).toBe('Kafka is unavailable; the event was not written');
  });
});

