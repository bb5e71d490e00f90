import { MemoryIdempotencyStore } from './memory-idempotency-store';
import { StoredResult } from './idempotency-store';

const result = (id: string, offset = 0): StoredResult => ({ status: 'published', event_id: id, topic: 't', partition: 0, offset, timestamp: '2024-01-01T00:00:00.000Z' });

describe('MemoryIdempotencyStore', () => {
  it('claims a key once, answers pending while claimed and done after completion', async () => {
    const store = new MemoryIdempotencyStore({ ttlMs: 60_000, claimTtlMs: 1_000 }, 100);
    expect(await store.claim('a')).toEqual({ state: 'claimed' });
    expect(await store.claim('a')).toEqual({ state: 'pending' });
    await store.complete('a', result('a', 7));
    expect(await store.claim('a')).toEqual({ state: 'done', result: result('a', 7) });
    expect(await store.peek('a')).toEqual({ state: 'done', result: result('a', 7) });
  });

  it('claims many keys in order, a repeated key in the same call being pending', async () => {
    const store = new MemoryIdempotencyStore({ ttlMs: 60_000, claimTtlMs: 1_000 }, 100);
    await store.completeMany([['done', result('done')]]);
    expect(await store.claimMany(['x', 'done', 'x'])).toEqual([{ state: 'claimed' }, { state: 'done', result: result('done') }, { state: 'pending' }]);
    await store.releaseMany(['x', 'done']);
    expect(await store.peek('x')).toEqual({ state: 'absent' });
    expect((await store.peek('done')).state).toBe('done');
  });

  it('never holds more than its bound, dropping the oldest entries first', async () => {
    const store = new MemoryIdempotencyStore({ ttlMs: 60_000, claimTtlMs: 1_000 }, 5);
    for (let i = 0; i < 50; i++) {
      await store.claim(`k${i}`);
      if (i % 3 === 0) await store.release(`k${i}`);
      else await store.complete(`k${i}`, result(`k${i}`, i));
      expect(store.size).toBeLessThanOrEqual(5);
    }
    expect((await store.peek('k49')).state).toBe('done');
    expect((await store.peek('k47')).state).toBe('done');
    expect(await store.peek('k10')).toEqual({ state: 'absent' });
  });

  it('evicts in the order of the claims, whenever each was completed', async () => {
    const store = new MemoryIdempotencyStore({ ttlMs: 60_000, claimTtlMs: 1_000 }, 3);
    await store.claim('old');
    await store.claim('b');
    await store.complete('b', result('b'));
    await store.complete('old', result('old'));
    await store.claim('c');
    await store.claim('d'); // the bound is 3: the oldest claim is old
    expect(await store.peek('old')).toEqual({ state: 'absent' });
    expect(await store.peek('b')).toEqual({ state: 'done', result: result('b') });
    await store.claim('e');
    expect(await store.peek('b')).toEqual({ state: 'absent' });
    expect((await store.peek('c')).state).toBe('pending');
  });

  it('keeps a completed result for the full time to live, not the claim time', async () => {
    let now = 0;
    const store = new MemoryIdempotencyStore({ ttlMs: 10_000, claimTtlMs: 100 }, 100, () => now);
    await store.claim('a');
    await store.complete('a', result('a'));
    now = 5_000;
    await store.claim('other');
    expect((await store.peek('a')).state).toBe('done');
  });

  it('expires claims and results after their time to live', async () => {
    let now = 0;
    const store = new MemoryIdempotencyStore({ ttlMs: 10_000, claimTtlMs: 100 }, 100, () => now);
    await store.claim('claim');
    await store.claim('result');
    await store.complete('result', result('result'));
    now = 100;
    expect(await store.claim('claim')).toEqual({ state: 'claimed' });
    expect((await store.peek('result')).state).toBe('done');
    now = 10_000;
    expect(await store.peek('result')).toEqual({ state: 'absent' });
  });

  it('drops expired entries on later writes, so idle keys do not accumulate', async () => {
    let now = 0;
    const store = new MemoryIdempotencyStore({ ttlMs: 1_000, claimTtlMs: 100 }, 10_000, () => now);
    for (let i = 0; i < 100; i++) {
      await store.claim(`old${i}`);
      await store.complete(`old${i}`, result(`old${i}`));
    }
    now = 2_000;
    for (let i = 0; i < 20; i++) await store.claim(`new${i}`);
    expect(store.size).toBe(20);
  });

  it('stays correct through many released claims (an outage) and keeps serving results', async () => {
    const store = new MemoryIdempotencyStore({ ttlMs: 60_000, claimTtlMs: 60_000 }, 100);
    await store.claim('kept');
    await store.complete('kept', result('kept', 1));
    for (let i = 0; i < 20_000; i++) {
      expect(await store.claim(`failed${i}`)).toEqual({ state: 'claimed' });
      await store.release(`failed${i}`);
    }
    expect(store.size).toBe(1);
    expect(await store.claim('kept')).toEqual({ state: 'done', result: result('kept', 1) });
    expect(await store.claim('failed0')).toEqual({ state: 'claimed' });
  });

  it('drops at most 8 expired entries per write, oldest first', async () => {
    let now = 0;
    const store = new MemoryIdempotencyStore({ ttlMs: 1_000, claimTtlMs: 1_000 }, 10_000, () => now);
    for (let i = 0; i < 100; i++) await store.claim(`old${i}`);
    now = 1_000;
    await store.claim('new0');
    expect(store.size).toBe(100 - 8 + 1);
    await store.claimMany(['new1', 'new2']);
    expect(store.size).toBe(100 - 24 + 3);
    // The survivors are the youngest: old24 is still held (though expired, a read drops it), old23 is gone.
    expect(await store.peek('old23')).toEqual({ state: 'absent' });
    expect(store.size).toBe(79);
    expect(await store.peek('old24')).toEqual({ state: 'absent' });
    expect(store.size).toBe(78);
  });

  it('keeps a result completed without a claim, and a claim that expires exactly at its time to live', async () => {
    let now = 0;
    const store = new MemoryIdempotencyStore({ ttlMs: 1_000, claimTtlMs: 100 }, 100, () => now);
    store.immediate.complete('unclaimed', result('unclaimed'));
    expect(store.immediate.claim('unclaimed')).toEqual({ state: 'done', result: result('unclaimed') });
    expect(store.immediate.claim('c')).toEqual({ state: 'claimed' });
    now = 99;
    expect(store.immediate.claim('c')).toEqual({ state: 'pending' });
    now = 100;
    expect(store.immediate.claim('c')).toEqual({ state: 'claimed' });
    now = 999;
    expect(await store.peek('unclaimed')).toEqual({ state: 'done', result: result('unclaimed') });
    now = 1_000;
    expect(await store.peek('unclaimed')).toEqual({ state: 'absent' });
  });

  it('does not release a completed key, and its immediate calls act like the promise ones', async () => {
    const store = new MemoryIdempotencyStore({ ttlMs: 60_000, claimTtlMs: 1_000 }, 100);
    expect(store.immediate.claimMany(['a', 'b'])).toEqual([{ state: 'claimed' }, { state: 'claimed' }]);
    store.immediate.completeMany([['a', result('a', 3)]]);
    store.immediate.releaseMany(['a', 'b']);
    store.immediate.release('a');
    await store.release('a');
    expect(await store.peek('a')).toEqual({ state: 'done', result: result('a', 3) });
    expect(await store.peek('b')).toEqual({ state: 'absent' });
    store.immediate.claim('c');
    store.immediate.release('c');
    expect(await store.peek('c')).toEqual({ state: 'absent' });
    await store.close();
    expect(store.size).toBe(0);
    expect(await store.claim('a')).toEqual({ state: 'claimed' });
  });

  it('keeps its eviction queue as short as its bound allows when the bound keeps evicting (memory stays flat)', async () => {
    const store = new MemoryIdempotencyStore({ ttlMs: 60_000, claimTtlMs: 60_000 }, 50);
    const queue = store as unknown as { orderKeys: string[]; orderEntries: unknown[] };
    for (let i = 0; i < 12_000; i++) {
      await store.claim(`k${i}`);
      await store.complete(`k${i}`, result(`k${i}`, i));
    }
    expect(store.size).toBe(50);
    expect(queue.orderKeys.length).toBeLessThanOrEqual(2 * 4096 + 50);
    expect(queue.orderEntries.length).toBe(queue.orderKeys.length);
    expect(await store.peek('k11999')).toEqual({ state: 'done', result: result('k11999', 11999) });
    expect(await store.peek('k11950')).toEqual({ state: 'done', result: result('k11950', 11950) });
    expect(await store.peek('k11949')).toEqual({ state: 'absent' });
  });
});
