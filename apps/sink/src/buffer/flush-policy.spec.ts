import fc from 'fast-check';
import { FlushPolicy, flushReason, msUntilDue, validatePolicy } from './flush-policy';
import { PartitionedBuffer } from './partitioned-buffer';

const policyArb = fc.record({ maxRecords: fc.integer({ min: 1, max: 200 }), maxBytes: fc.integer({ min: 1, max: 50_000 }), maxAgeMs: fc.integer({ min: 1, max: 10_000 }) });
const recordArb = fc.record({ partition: fc.integer({ min: 0, max: 3 }), bytes: fc.integer({ min: 0, max: 2_000 }), gapMs: fc.integer({ min: 0, max: 500 }) });

/** Feeds records one at a time and flushes whenever the policy says so, as the runner does. */
function simulate(policy: FlushPolicy, records: Array<{ partition: number; bytes: number; gapMs: number }>) {
  const buffer = new PartitionedBuffer<number>();
  const offsets = [0, 0, 0, 0];
  const flushes: Array<{ reason: string; items: number[]; records: number; bytes: number; oldestAgeMs: number }> = [];
  let now = 0;
  records.forEach((r, i) => {
    now += r.gapMs;
    const before = buffer.stats();
    const dueByTime = flushReason(before, now, policy);
    if (dueByTime === 'time') {
      flushes.push({ reason: 'time', items: buffer.take().flatMap((c) => c.items), records: before.records, bytes: before.bytes, oldestAgeMs: now - before.oldestAt! });
    }
    buffer.add('t', r.partition, offsets[r.partition]++, i, r.bytes, now);
    const stats = buffer.stats();
    const reason = flushReason(stats, now, policy);
    if (reason === 'records' || reason === 'bytes') {
      flushes.push({ reason, items: buffer.take().flatMap((c) => c.items), records: stats.records, bytes: stats.bytes, oldestAgeMs: now - stats.oldestAt! });
    }
  });
  return { flushes, left: buffer.take().flatMap((c) => c.items) };
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

  it('reports nothing for an empty buffer and the time left until the age trigger', () => {
    const policy = { maxRecords: 10, maxBytes: 100, maxAgeMs: 1000 };
    expect(flushReason({ records: 0, bytes: 0, oldestAt: null }, 5000, policy)).toBeNull();
    expect(msUntilDue({ records: 0, bytes: 0, oldestAt: null }, 5000, policy)).toBeNull();
    expect(msUntilDue({ records: 1, bytes: 1, oldestAt: 4500 }, 5000, policy)).toBe(500);
    expect(msUntilDue({ records: 1, bytes: 1, oldestAt: 1000 }, 5000, policy)).toBe(0);
    expect(flushReason({ records: 1, bytes: 1, oldestAt: 4000 }, 5000, policy)).toBe('time');
    expect(flushReason({ records: 3, bytes: 100, oldestAt: 4999 }, 5000, policy)).toBe('bytes');
  });

  it('rejects a policy with a zero or negative threshold', () => {
    expect(() => validatePolicy({ maxRecords: 0, maxBytes: 1, maxAgeMs: 1 })).toThrow(/maxRecords/);
    expect(() => validatePolicy({ maxRecords: 1, maxBytes: 1, maxAgeMs: -5 })).toThrow(/maxAgeMs/);
  });
});
