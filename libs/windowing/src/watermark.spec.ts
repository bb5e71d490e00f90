import fc from 'fast-check';
import { NO_WATERMARK, WatermarkTracker } from './watermark';

describe('WatermarkTracker', () => {
  it('is the minimum over partitions of (max event time - out-of-orderness)', () => {
    const w = new WatermarkTracker({ maxOutOfOrdernessMs: 10 });
    expect(w.current).toBe(NO_WATERMARK);
    w.observe('p0', 1000, 0);
    w.observe('p1', 500, 0);
    w.observe('p0', 900, 0); // older record does not lower p0's max
    expect(w.advance(0)).toBe(true);
    expect(w.partitionWatermark('p0')).toBe(990);
    expect(w.current).toBe(490);
    w.observe('p1', 2000, 0);
    w.advance(0);
    expect(w.current).toBe(990);
  });

  it('an assigned partition with no records holds the watermark until it goes idle', () => {
    const w = new WatermarkTracker({ maxOutOfOrdernessMs: 0, idleTimeoutMs: 100 });
    w.assign('quiet', 0);
    w.observe('busy', 5000, 0);
    w.advance(50);
    expect(w.current).toBe(NO_WATERMARK);
    w.observe('busy', 6000, 99);
    w.advance(99);
    expect(w.current).toBe(NO_WATERMARK);
    w.advance(100); // quiet has had nothing for idleTimeoutMs
    expect(w.current).toBe(6000);
  });

  it('excludes idle partitions from the minimum, and takes the max when all are idle', () => {
    const w = new WatermarkTracker({ maxOutOfOrdernessMs: 5, idleTimeoutMs: 1000 });
    w.observe('a', 100, 0);
    w.observe('b', 300, 500);
    w.advance(500);
    expect(w.current).toBe(95);
    w.advance(1000); // a idle (1000 ms since its last record), b active
    expect(w.isIdle('a', 1000)).toBe(true);
    expect(w.current).toBe(295);
    w.observe('c', 200, 1000);
    w.advance(1000); // c active and behind b: min of active (b, c) = 195, but never backwards
    expect(w.current).toBe(295);
    w.observe('b', 400, 1000);
    w.observe('c', 600, 1000);
    w.advance(1000);
    expect(w.current).toBe(395);
    w.advance(5000); // everything idle: the furthest partition leads
    expect(w.current).toBe(595);
  });

  it('a partition that resumes after idleness cannot pull the watermark back', () => {
    const w = new WatermarkTracker({ maxOutOfOrdernessMs: 0, idleTimeoutMs: 10 });
    w.observe('a', 1000, 0);
    w.observe('b', 50, 0);
    w.advance(20); // both idle -> max = 1000
    expect(w.current).toBe(1000);
    w.observe('b', 60, 21);
    w.advance(21);
    expect(w.current).toBe(1000);
  });

  it('revoking the slowest partition lets the watermark move on', () => {
    const w = new WatermarkTracker({ maxOutOfOrdernessMs: 0 });
    w.observe('a', 1000, 0);
    w.observe('b', 10, 0);
    w.advance(0);
    expect(w.current).toBe(10);
    expect(w.revoke('b')).toBe(true);
    w.advance(0);
    expect(w.current).toBe(1000);
  });

  it('a pending partition (input on its way) holds the watermark however long it is quiet, then idles once cleared', () => {
    // A restart with a backlog: b's records are still upstream while a's far-ahead record arrives.
    const w = new WatermarkTracker({ maxOutOfOrdernessMs: 0, idleTimeoutMs: 100 });
    w.observe('a', 1000, 0);
    w.observe('b', 200, 0);
    w.setPending(['b']);
    w.observe('a', 50_000, 10_000);
    w.advance(10_000);
    expect(w.isIdle('b', 10_000)).toBe(false);
    expect(w.current).toBe(200);
    w.observe('b', 900, 10_050); // the backlog arrives: not late
    w.advance(10_050);
    expect(w.current).toBe(900);
    w.setPending([]);
    w.advance(10_149);
    expect(w.current).toBe(900);
    w.advance(10_150); // caught up and quiet for the timeout: idle now
    expect(w.current).toBe(50_000);
  });

  it('never goes backwards and always equals the model, whatever the records, clocks and pending partitions', () => {
    const partitions = ['p0', 'p1', 'p2'];
    const step = fc.record({
      p: fc.constantFrom(...partitions),
      t: fc.integer({ min: 0, max: 10_000 }),
      dt: fc.integer({ min: 0, max: 400 }),
      tick: fc.boolean(),
      pending: fc.option(fc.subarray(partitions), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 1000 }), (steps, ooo, idle) => {
        const w = new WatermarkTracker({ maxOutOfOrdernessMs: ooo, idleTimeoutMs: idle });
        const model = new Map<string, { max: number; seen: number }>();
        let now = 0;
        let expected = NO_WATERMARK;
        let pending = new Set<string>();
        for (const s of steps) {
          now += s.dt;
          if (s.pending) {
            pending = new Set(s.pending);
            w.setPending(s.pending);
          }
          if (!s.tick) {
            w.observe(s.p, s.t, now);
            const m = model.get(s.p);
            model.set(s.p, { max: Math.max(m?.max ?? -Infinity, s.t), seen: now });
          }
          const before = w.current;
          w.advance(now);
          expect(w.current).toBeGreaterThanOrEqual(before);
          const all = [...model.values()];
          const active = [...model].filter(([p, m]) => now - m.seen < idle || pending.has(p)).map(([, m]) => m.max - ooo);
          const candidate = active.length > 0 ? Math.min(...active) : all.length > 0 ? Math.max(...all.map((m) => m.max - ooo)) : NO_WATERMARK;
          expected = Math.max(expected, candidate);
          expect(w.current).toBe(expected);
        }
      }),
      { numRuns: 300 },
    );
  });
  it('rejects a negative or non-finite out-of-orderness bound, and takes 0', () => {
    expect(() => new WatermarkTracker({ maxOutOfOrdernessMs: -1 })).toThrow('maxOutOfOrdernessMs must be a number >= 0');
    expect(() => new WatermarkTracker({ maxOutOfOrdernessMs: Number.NaN })).toThrow('maxOutOfOrdernessMs must be a number >= 0');
    expect(() => new WatermarkTracker({ maxOutOfOrdernessMs: Number.POSITIVE_INFINITY })).toThrow('maxOutOfOrdernessMs must be a number >= 0');
    const w = new WatermarkTracker({ maxOutOfOrdernessMs: 0 });
    w.observe('p', -250, 0); // pre-1970 event times are ordinary
    expect(w.advance(0)).toBe(true);
    expect(w.current).toBe(-250);
    // Also as the first record of an assigned partition.
    w.assign('q', 0);
    w.observe('q', -100, 0);
    expect(w.clock('q')).toEqual({ maxEventTime: -100, lastSeenMs: 0 });
  });

  it('with no idle timeout, or one <= 0, a partition never counts as idle', () => {
    for (const idleTimeoutMs of [undefined, 0, -5]) {
      const w = new WatermarkTracker({ maxOutOfOrdernessMs: 0, idleTimeoutMs });
      w.observe('a', 100, 0);
      w.observe('b', 900, 0);
      expect(w.isIdle('a', 1e12)).toBe(false);
      w.advance(1e12);
      expect(w.current).toBe(100);
    }
  });

  it('a partition is idle from exactly idleTimeoutMs after its latest record; an unknown one never is', () => {
    const w = new WatermarkTracker({ maxOutOfOrdernessMs: 0, idleTimeoutMs: 100 });
    w.observe('a', 5, 1000);
    w.observe('a', 6, 900); // a record with an older processing time does not move lastSeenMs back
    expect(w.clock('a')).toEqual({ maxEventTime: 6, lastSeenMs: 1000 });
    expect(w.isIdle('a', 1099)).toBe(false);
    expect(w.isIdle('a', 1100)).toBe(true);
    expect(w.isIdle('unknown', 1e9)).toBe(false);
  });

  it('assigning a known partition changes nothing; revoking an unknown one says so', () => {
    const w = new WatermarkTracker({ maxOutOfOrdernessMs: 0, idleTimeoutMs: 100 });
    expect(w.assign('a', 10)).toEqual({ maxEventTime: null, lastSeenMs: 10 });
    expect(w.partitionWatermark('a')).toBe(NO_WATERMARK);
    w.observe('a', 700, 20);
    expect(w.assign('a', 50)).toBeUndefined();
    expect(w.clock('a')).toEqual({ maxEventTime: 700, lastSeenMs: 20 });
    expect(w.partitionCount).toBe(1);
    expect(w.revoke('b')).toBe(false);
    expect(w.partitionWatermark('b')).toBe(NO_WATERMARK);
    expect(w.clock('b')).toBeUndefined();
    expect(w.revoke('a')).toBe(true);
    expect(w.partitionCount).toBe(0);
  });

  it('with no partitions there is no candidate, and advanceTo only moves forward', () => {
    const w = new WatermarkTracker({ maxOutOfOrdernessMs: 0, idleTimeoutMs: 10 });
    expect(w.candidate(1000)).toBe(NO_WATERMARK);
    expect(w.advance(1000)).toBe(false);
    expect(w.advanceTo(500)).toBe(true);
    expect(w.advanceTo(500)).toBe(false);
    expect(w.advanceTo(499)).toBe(false);
    expect(w.current).toBe(500);
    w.assign('a', 0);
    expect(w.candidate(5)).toBe(NO_WATERMARK); // assigned, no records, still active
    expect(w.candidate(10)).toBe(NO_WATERMARK); // idle, but has no watermark of its own
  });

  it('restores persisted clocks (as copies) and the watermark exactly', () => {
    const w = new WatermarkTracker({ maxOutOfOrdernessMs: 10 });
    const persisted = { maxEventTime: 1000, lastSeenMs: 77 };
    w.restorePartition('p3', persisted);
    w.restorePartition('p4', { maxEventTime: null, lastSeenMs: 5 });
    w.restoreWatermark(400);
    persisted.maxEventTime = 5;
    expect(w.current).toBe(400);
    expect([...w.partitions()]).toEqual([
      ['p3', { maxEventTime: 1000, lastSeenMs: 77 }],
      ['p4', { maxEventTime: null, lastSeenMs: 5 }],
    ]);
    expect(w.partitionWatermark('p3')).toBe(990);
    w.observe('p4', 2000, 80);
    expect(w.advance(80)).toBe(true);
    expect(w.current).toBe(990);
  });
});
