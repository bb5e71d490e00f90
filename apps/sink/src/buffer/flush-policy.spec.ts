import fc from 'fast-check';
import { FlushPolicy, flushReason, validatePolicy } from './flush-policy';

const policyArb = fc.record({ maxRecords: fc.integer({ min: 1, max: 200 }), maxBytes: fc.integer({ min: 1, max: 50_000 }), maxAgeMs: fc.integer({ min: 1, max: 10_000 }) });
const recordArb = fc.record({ partition: fc.integer({ min: 0, max: 3 }), bytes: fc.integer({ min: 0, max: 2_000 }), gapMs: fc.integer({ min: 0, max: 500 }) });

/** Feeds records one at a time into a buffer kept as a sink task keeps it, flushing whenever the policy says so. */
function simulate(policy: FlushPolicy, records: Array<{ partition: number; bytes: number; gapMs: number }>) {
  let items: number[] = [];
  let bytes = 0;
  let oldestAt: number | null = null;
  const stats = () => ({ records: items.length, bytes, oldestAt });
  const take = () => {
    const taken = items;
    items = [];
    bytes = 0;
    oldestAt = null;
    return taken;
  };
  const flushes: Array<{ reason: string; items: number[]; records: number; bytes: number; oldestAgeMs: number }> = [];
  let now = 0;
  records.forEach((r, i) => {
    now += r.gapMs;
    const before = stats();
    const dueByTime = flushReason(before, now, policy);
    if (dueByTime === 'time') {
      flushes.push({ reason: 'time', items: take(), records: before.records, bytes: before.bytes, oldestAgeMs: now - before.oldestAt! });
    }
    if (items.length === 0) oldestAt = now;
    items.push(i);
    bytes += r.bytes;
    const after = stats();
    const reason = flushReason(after, now, policy);
    if (reason === 'records' || reason === 'bytes') {
      flushes.push({ reason, items: take(), records: after.records, bytes: after.bytes, oldestAgeMs: now - after.oldestAt! });
    }
  });
  return { flushes, left: take() };
}

describe('flush policy (seed 003 property 17)', () => {
  it('flushes every buffered record as soon as the count threshold is reached, and never holds more than the threshold', () => {
    fc.assert(
      fc.property(policyArb, fc.array(recordArb, { maxLength: 300 }), (policy, records) => {
        const big = { ...policy, maxBytes: Number.MAX_SAFE_INTEGER, maxAgeMs: Number.MAX_SAFE_INTEGER };
        const { flushes, left } = simulate(big, records);
        for (const f of flushes) {
          expect(f.reason).toBe('records');
          expect(f.records).toBe(big.maxRecords);
          expect(f.items).toHaveLength(big.maxRecords);
        }
        expect(flushes).toHaveLength(Math.floor(records.length / big.maxRecords));
        expect(left).toHaveLength(records.length % big.maxRecords);
      }),
      { numRuns: 150 },
    );
  });

  it('flushes on count, bytes or age, whichever comes first; every record is flushed exactly once, in order per partition', () => {
    fc.assert(
      fc.property(policyArb, fc.array(recordArb, { maxLength: 300 }), (policy, records) => {
        const { flushes, left } = simulate(policy, records);
        for (const f of flushes) {
          if (f.reason === 'records') expect(f.records).toBeGreaterThanOrEqual(policy.maxRecords);
          if (f.reason === 'bytes') expect(f.bytes).toBeGreaterThanOrEqual(policy.maxBytes);
          if (f.reason === 'time') expect(f.oldestAgeMs).toBeGreaterThanOrEqual(policy.maxAgeMs);
          // No trigger was already due one record earlier: the buffer never overshoots the count.
          expect(f.records).toBeLessThanOrEqual(policy.maxRecords);
        }
        const all = [...flushes.flatMap((f) => f.items), ...left];
        expect([...all].sort((a, b) => a - b)).toEqual(records.map((_, i) => i));
        for (let p = 0; p < 4; p++) {
          const mine = all.filter((i) => records[i].partition === p);
          const inFlushOrder = [...flushes.flatMap((f) => f.items), ...left].filter((i) => records[i].partition === p);
          expect(inFlushOrder).toEqual([...mine].sort((a, b) => a - b));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('reports nothing for an empty buffer, and the age trigger once the oldest record waited maxAgeMs', () => {
    const policy = { maxRecords: 10, maxBytes: 100, maxAgeMs: 1000 };
    expect(flushReason({ records: 0, bytes: 0, oldestAt: null }, 5000, policy)).toBeNull();
    expect(flushReason({ records: 1, bytes: 1, oldestAt: 4500 }, 5000, policy)).toBeNull();
    expect(flushReason({ records: 1, bytes: 1, oldestAt: 4000 }, 5000, policy)).toBe('time');
    expect(flushReason({ records: 3, bytes: 100, oldestAt: 4999 }, 5000, policy)).toBe('bytes');
  });

  it('judges emptiness by the record count, and age only from a known oldest record', () => {
    const policy = { maxRecords: 10, maxBytes: 100, maxAgeMs: 1000 };
    // Left-over bytes or time of an emptied buffer trigger nothing.
    expect(flushReason({ records: 0, bytes: 500, oldestAt: 1000 }, 5000, policy)).toBeNull();
    expect(flushReason({ records: 2, bytes: 10, oldestAt: null }, 5000, policy)).toBeNull();
  });

  it('rejects a policy with a zero or negative threshold', () => {
    expect(() => validatePolicy({ maxRecords: 0, maxBytes: 1, maxAgeMs: 1 })).toThrow(/maxRecords/);
    expect(() => validatePolicy({ maxRecords: 1, maxBytes: 1, maxAgeMs: -5 })).toThrow(/maxAgeMs/);
  });
});
