import { WindowingEngine } from './engine';
import type { EngineOutput, WindowEvent, WindowingConfig, WindowResult } from './types';
import { NO_WATERMARK } from './watermark';
import { PIPELINE_WINDOWING } from './pipeline-windows.fixture';

const MIN = 60_000;
const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);

/** The pipeline's windows (config/pipeline.yaml). */
const pipeline = (over: Partial<WindowingConfig> = {}): WindowingConfig => ({
  ...PIPELINE_WINDOWING,
  eventTypes: [
    { name: 'transaction', valueField: 'amount', groupBy: 'symbol' },
    { name: 'iot.sensor', valueField: 'reading.temperature', groupBy: 'device_id' },
  ],
  ...over,
});

let seq = 0;
const tx = (at: number, amount: number | undefined, user = 'alice', symbol = 'AAPL'): WindowEvent => ({
  eventId: `tx-${seq++}`,
  eventType: 'transaction',
  timestamp: at,
  userId: user,
  payload: amount === undefined ? { symbol } : { symbol, amount },
  partition: 'events.transaction-0',
});

const find = (out: EngineOutput | EngineOutput[], name: string, start?: number): WindowResult[] =>
  (Array.isArray(out) ? out : [out]).flatMap((o) => o.results).filter((r) => r.windowName === name && (start === undefined || r.windowStart === start));

describe('WindowingEngine', () => {
  it('aggregates the pipeline windows and fires each once the watermark passes its end', () => {
    const e = new WindowingEngine(pipeline({ allowedLatenessMs: 0 }));
    const outs = [
      e.process(tx(T0 + 1_000, 10), 0),
      e.process(tx(T0 + 20_000, 30, 'bob'), 0),
      e.process(tx(T0 + 50_000, undefined, 'alice'), 0), // no amount: counted, not summed
      e.process(tx(T0 + 64_000, 5), 0), // watermark T0+59s: minute 0 not complete yet
    ];
    expect(outs.flatMap((o) => o.results)).toEqual([]);
    const fired = e.process(tx(T0 + 65_000, 7), 0); // watermark T0+60s >= end of minute 0
    expect(find(fired, 'tumbling_1m')).toEqual([
      expect.objectContaining({
        eventType: 'transaction',
        windowKind: 'tumbling',
        windowStart: T0,
        windowEnd: T0 + MIN,
        groupKey: 'AAPL',
        count: 3,
        valueCount: 2,
        sum: 40,
        avg: 20,
        min: 10,
        max: 30,
        distinctUsers: 2,
        version: 1,
        final: true,
        retracted: false,
        firstEventTime: T0 + 1_000,
        lastEventTime: T0 + 50_000,
      }),
    ]);
    // The sliding window [T0-4m, T0+1m) ends with the same minute.
    expect(find(fired, 'sliding_5m_1m').map((r) => [r.windowStart, r.count])).toEqual([[T0 - 4 * MIN, 3]]);
    const end = e.advanceWatermarkTo(Number.MAX_SAFE_INTEGER);
    expect(find(end, 'tumbling_15m')).toEqual([expect.objectContaining({ count: 5, sum: 52, distinctUsers: 2 })]);
    expect(find(end, 'session_30m')).toEqual([expect.objectContaining({ windowStart: T0 + 1_000, windowEnd: T0 + 65_000 + 30 * MIN, count: 5 })]);
    expect(e.stats()).toMatchObject({ openWindows: 0, groups: 0 });
  });

  it('re-emits a window with version + 1 for an event within allowed lateness, and rejects later ones as LATE', () => {
    const e = new WindowingEngine(pipeline());
    e.process(tx(T0 + 10_000, 1), 0);
    const fire = e.process(tx(T0 + 65_000, 2), 0);
    expect(find(fire, 'tumbling_1m', T0)).toEqual([expect.objectContaining({ count: 1, version: 1, final: false })]);

    const update = e.process(tx(T0 + 30_000, 4), 0); // behind the watermark, within the minute of lateness
    expect(update.rejected).toEqual([]);
    expect(find(update, 'tumbling_1m', T0)).toEqual([expect.objectContaining({ count: 2, sum: 5, version: 2 })]);

    e.process(tx(T0 + 125_000, 3), 0); // watermark T0+120s: minute 0 purged (end + 1m lateness)
    const late = tx(T0 + 59_000, 100);
    const out = e.process(late, 0);
    expect(out.rejected).toEqual([
      {
        reason: 'LATE',
        event: late,
        // Purged: minute 0, the sliding window ending with it, and any session it could have joined
        // (an event more than the lateness behind the watermark could belong to a purged session).
        missed: [
          { windowName: 'tumbling_1m', windowKind: 'tumbling', windowStart: T0, windowEnd: T0 + MIN },
          { windowName: 'sliding_5m_1m', windowKind: 'sliding', windowStart: T0 - 4 * MIN, windowEnd: T0 + MIN },
          { windowName: 'session_30m', windowKind: 'session', windowStart: T0 + 59_000, windowEnd: T0 + 59_000 + 30 * MIN },
        ],
        partial: true, // still counted in the 5m and 15m windows and four sliding ones
        watermark: T0 + 120_000,
      },
    ]);
    expect(find(out, 'tumbling_1m')).toEqual([]);
    expect(out.duplicates).toEqual([]);
  });

  it('rejects an event too late for all of its windows as a whole', () => {
    const e = new WindowingEngine(pipeline({ allowedLatenessMs: 0 }));
    e.process(tx(T0 + 60 * MIN, 1), 0);
    const late = tx(T0, 1);
    const out = e.process(late, 0);
    expect(out.rejected).toHaveLength(1);
    expect(out.rejected[0]).toMatchObject({ reason: 'LATE', partial: false });
    expect((out.rejected[0] as { missed: unknown[] }).missed).toHaveLength(1 + 1 + 1 + 5 + 1);
    // Its id is remembered (for the retention from the watermark on), nothing else.
    expect(out.mutations).toEqual([
      { key: 'p|events.transaction-0', value: expect.anything() },
      // watermark T0 + 60m - 5s (out-of-orderness), retention 30m (session gap, no lateness)
      { key: 'd|' + late.eventId, value: { expiresAt: T0 + 90 * MIN - 5_000 } },
    ]);
  });

  it('reports a resent late event once: the event-id dedupe comes before the late check', () => {
    const e = new WindowingEngine(pipeline({ allowedLatenessMs: 0 }));
    e.process(tx(T0 + 60 * MIN, 1), 0);
    const late = tx(T0, 1);
    expect(e.process(late, 0).rejected).toHaveLength(1);
    const resent = e.process({ ...late }, 0);
    expect(resent.rejected).toEqual([]);
    expect(resent.duplicates).toEqual([late.eventId]);
  });

  it('counts a repeated event_id once', () => {
    const e = new WindowingEngine(pipeline());
    const first = tx(T0 + 1_000, 10);
    e.process(first, 0);
    const again = e.process({ ...first }, 0);
    expect(again.duplicates).toEqual([first.eventId]);
    expect(again.mutations.map((m) => m.key)).toEqual(['p|events.transaction-0']);
    expect(find(e.advanceWatermarkTo(Number.MAX_SAFE_INTEGER), 'tumbling_1m')).toEqual([expect.objectContaining({ count: 1, sum: 10 })]);
  });

  it('reports a refused event once: its copies are duplicates, its id survives a restore and expires by event time', () => {
    const e = new WindowingEngine(pipeline({ dedupeTtlMs: MIN, dedupeBucketMs: 1 }));
    const first = e.recordRefusal('bad-1', T0);
    expect(first.duplicates).toEqual([]);
    expect(first.mutations).toEqual([{ key: 'd|bad-1', value: { expiresAt: T0 + MIN } }]);
    expect(first.results).toEqual([]);
    expect(e.recordRefusal('bad-1', T0).duplicates).toEqual(['bad-1']);
    // A refusal does not move event time.
    expect(e.watermark).toBe(NO_WATERMARK);

    const restored = new WindowingEngine(pipeline({ dedupeTtlMs: MIN, dedupeBucketMs: 1 }));
    restored.restore(e.snapshot());
    expect(restored.recordRefusal('bad-1', T0).duplicates).toEqual(['bad-1']);
    const expired = restored.process(tx(T0 + 2 * MIN, 1), 0);
    expect(expired.mutations).toContainEqual({ key: 'd|bad-1', value: null });
    expect(restored.recordRefusal('bad-1', T0).duplicates).toEqual([]);
  });

  it('keeps a refused far-future id for one retention past the watermark, not until its own time', () => {
    const e = new WindowingEngine(pipeline({ dedupeTtlMs: MIN, dedupeBucketMs: 1, maxOutOfOrdernessMs: 0 }));
    e.process(tx(T0, 1), 0);
    const far = e.recordRefusal('future', T0 + 365 * 24 * 60 * MIN);
    expect(far.mutations).toEqual([{ key: 'd|future', value: { expiresAt: T0 + 2 * MIN } }]);
    const behind = e.recordRefusal('past', T0 - 10 * MIN);
    expect(behind.mutations).toEqual([{ key: 'd|past', value: { expiresAt: T0 + MIN } }]);
  });

  it('forgets ids by event time: a copy after the TTL is LATE by default, counted again under a shorter TTL', () => {
    const exact = new WindowingEngine(pipeline());
    // The longest span: a 30 minute session gap plus one minute of lateness.
    expect(exact.dedupeRetention).toBe(31 * MIN);
    expect(exact.exactDedupeRetention).toBe(31 * MIN);
    const short = new WindowingEngine(pipeline({ dedupeTtlMs: MIN, dedupeBucketMs: 1 }));
    expect(short.dedupeRetention).toBe(MIN);
    for (const e of [exact, short]) {
      const ev = { ...tx(T0 + 1_000, 10), eventId: 'same' };
      e.process(ev, 0);
      e.process(tx(T0 + 2 * MIN + 10_000, 1), 0); // watermark past T0 + 1s + 1m
      const copy = e.process({ ...ev }, 0);
      if (e === exact) expect(copy.duplicates).toEqual(['same']);
      else {
        // Known trade-off of a TTL shorter than the exact one: the 5m/15m windows count it again.
        expect(copy.duplicates).toEqual([]);
        expect(copy.rejected).toMatchObject([{ reason: 'LATE', partial: true }]);
      }
    }
  });

  it('merges sessions an event bridges, retracting results already emitted under old bounds', () => {
    const e = new WindowingEngine({
      windows: [{ name: 's', kind: 'session', gapMs: 10 }],
      maxOutOfOrdernessMs: 0,
      allowedLatenessMs: 100,
    });
    const ev = (id: string, t: number, user: string): WindowEvent => ({ eventId: id, eventType: 'x', timestamp: t, userId: user });
    e.process(ev('a', 0, 'u1'), 0);
    const first = e.process(ev('b', 20, 'u2'), 0); // watermark 20: [0,10) fires
    const second = e.process(ev('c', 45, 'u3'), 0); // watermark 45: [20,30) fires
    expect([...first.results, ...second.results].map((r) => [r.windowStart, r.windowEnd, r.version])).toEqual([
      [0, 10, 1],
      [20, 30, 1],
    ]);
    const bridge = e.process(ev('d', 9, 'u1'), 0); // 9 stretches [0,10) to [0,19), still apart from [20,30)
    expect(bridge.results.map((r) => [r.windowStart, r.windowEnd, r.version, r.retracted, r.count])).toEqual([
      [0, 10, 2, true, 1],
      [0, 19, 3, false, 2],
    ]);
    const merge = e.process(ev('e', 15, 'u4'), 0); // within 10 of both 9 and 20: one session [0,30)
    expect(merge.results.map((r) => [r.windowStart, r.windowEnd, r.version, r.retracted, r.count, r.distinctUsers])).toEqual([
      [0, 19, 4, true, 2, 1],
      [20, 30, 2, true, 1, 1],
      [0, 30, 5, false, 4, 3],
    ]);
    // The absorbed session's keys are deleted; the merged one carries every user.
    const deleted = merge.mutations.filter((m) => m.value === null).map((m) => m.key);
    expect(deleted.some((k) => k.startsWith('w|'))).toBe(true);
    // The merged session keeps u1, u2 and u4 (u3 is in the separate session [45, 55)).
    expect(e.snapshot().filter((m) => m.key.startsWith('u|')).map((m) => m.key.slice(-2)).sort()).toEqual(['u1', 'u2', 'u3', 'u4']);
    expect(e.stats().openWindows).toBe(2);
  });

  it('holds the watermark for an assigned partition until it delivers or goes idle; revoking releases it', () => {
    const e = new WindowingEngine(pipeline({ allowedLatenessMs: 0 }));
    const assigned = e.assignPartitions(['events.transaction-0', 'events.transaction-1'], 1_000);
    expect(assigned.mutations.map((m) => m.key)).toEqual(['p|events.transaction-0', 'p|events.transaction-1']);
    e.process(tx(T0 + 1_000, 1), 1_000);
    expect(e.process(tx(T0 + 2 * MIN, 1), 2_000).watermark).toBe(NO_WATERMARK); // partition 1 silent, not yet idle
    const idle = e.advanceWatermark(31_000); // partition 1: 30 s without records
    expect(idle.watermark).toBe(T0 + 2 * MIN - 5_000);
    expect(find(idle, 'tumbling_1m', T0)).toHaveLength(1);

    const r = new WindowingEngine(pipeline());
    r.assignPartitions(['a', 'b'], 0);
    r.process({ ...tx(T0, 1), partition: 'a' }, 0);
    expect(r.watermark).toBe(NO_WATERMARK);
    const revoked = r.revokePartitions(['b'], 0);
    expect(revoked.watermark).toBe(T0 - 5_000);
    expect(revoked.mutations).toContainEqual({ key: 'p|b', value: null });
  });

  it('reads group keys from envelope or payload fields, or takes them from the event', () => {
    const e = new WindowingEngine(pipeline({ allowedLatenessMs: 0 }));
    const sensor = (id: string, device: string, temperature: unknown, groupKey?: string): WindowEvent => ({
      eventId: id,
      eventType: 'iot.sensor',
      timestamp: T0,
      deviceId: device,
      payload: { reading: { temperature } },
      groupKey,
    });
    e.process(sensor('1', 'd1', 20.5), 0);
    e.process(sensor('2', 'd1', '21'), 0); // not a number: counted, no value
    e.process(sensor('3', 'd2', 30), 0);
    e.process(sensor('4', 'd2', 1, 'override'), 0);
    e.process({ eventId: '5', eventType: 'other', timestamp: T0, payload: { amount: 3 } }, 0); // unlisted type: defaults
    const out = find(e.advanceWatermarkTo(Number.MAX_SAFE_INTEGER), 'tumbling_1m');
    expect(out.map((r) => [r.eventType, r.groupKey, r.count, r.valueCount, r.sum])).toEqual([
      ['iot.sensor', 'd1', 2, 1, 20.5],
      ['iot.sensor', 'd2', 1, 1, 30],
      ['iot.sensor', 'override', 1, 1, 1],
      ['other', '', 1, 0, null],
    ]);
  });

  it('rejects malformed events as INVALID without touching state', () => {
    const e = new WindowingEngine(pipeline());
    const bad = { eventId: 'x', eventType: 'transaction', timestamp: Number.NaN } as WindowEvent;
    const out = e.process(bad, 0);
    expect(out.rejected).toEqual([{ reason: 'INVALID', event: bad, message: expect.stringMatching(/timestamp/) }]);
    expect(out.mutations).toEqual([]);
  });

  it('names what is wrong with a malformed event', () => {
    const e = new WindowingEngine(pipeline());
    const messages = [null, 'text', { eventType: 't', timestamp: 0 }, { eventId: '', eventType: 't', timestamp: 0 }, { eventId: 'x', timestamp: 0 }, { eventId: 'x', eventType: '', timestamp: 0 }, { eventId: 'x', eventType: 't', timestamp: '0' }, { eventId: 'x', eventType: 't', timestamp: Number.POSITIVE_INFINITY }].map(
      (bad) => (e.process(bad as unknown as WindowEvent, 0).rejected[0] as { message: string }).message,
    );
    expect(messages).toEqual([
      'event must be an object',
      'event must be an object',
      'eventId must be a non-empty string',
      'eventId must be a non-empty string',
      'eventType must be a non-empty string',
      'eventType must be a non-empty string',
      'timestamp must be a finite number (epoch ms)',
      'timestamp must be a finite number (epoch ms)',
    ]);
    expect(e.stats()).toEqual({ watermark: NO_WATERMARK, openWindows: 0, groups: 0, dedupeIds: 0, partitions: 0, pendingTimers: 0 });
  });

  it('counts open windows, groups, remembered ids, partitions and timers in its stats', () => {
    const e = new WindowingEngine(pipeline({ windows: [{ name: 'tumbling_1m', kind: 'tumbling', sizeMs: MIN }], maxOutOfOrdernessMs: 0, allowedLatenessMs: 0 }));
    e.process(tx(T0, 1, 'alice', 'AAPL'), 0);
    e.process(tx(T0 + 1, 1, 'bob', 'MSFT'), 0);
    e.process({ ...tx(T0 + MIN, 1, 'carol', 'MSFT'), partition: 'events.transaction-1' }, 0);
    // Timers are queued per due time: the two windows ending at T0 + MIN share one.
    expect(e.stats()).toEqual({ watermark: T0 + 1, openWindows: 3, groups: 2, dedupeIds: 3, partitions: 2, pendingTimers: 2 });
    // Only partition 1 has reached T0 + MIN; partition 0 holds the watermark at T0 + 1 until it moves too.
    e.process(tx(T0 + 2 * MIN, 1, 'dave', 'IBM'), 0);
    expect(e.stats()).toMatchObject({ watermark: T0 + MIN, openWindows: 2, groups: 2 });
  });

  it('defaults: ids expire in 1 s buckets after the exact retention; a TTL <= 0 means the exact one', () => {
    const e = new WindowingEngine(pipeline({ dedupeTtlMs: 0 }));
    expect(e.dedupeBucket).toBe(1000);
    expect(e.dedupeRetention).toBe(31 * MIN);
    expect(new WindowingEngine(pipeline({ dedupeTtlMs: -5 })).dedupeRetention).toBe(31 * MIN);
    expect(new WindowingEngine(pipeline({ dedupeBucketMs: 250 })).dedupeBucket).toBe(250);
    // Without windows nothing can be counted twice: the exact retention is 0.
    expect(new WindowingEngine({ windows: [], maxOutOfOrdernessMs: 0, allowedLatenessMs: 0 }).exactDedupeRetention).toBe(0);
  });

  it('keeps a refused id with a non-finite time as if it had time 0', () => {
    const e = new WindowingEngine(pipeline({ dedupeTtlMs: MIN }));
    expect(e.recordRefusal('nan', Number.NaN).mutations).toEqual([{ key: 'd|nan', value: { expiresAt: MIN } }]);
    expect(e.recordRefusal('inf', Number.POSITIVE_INFINITY).mutations).toEqual([{ key: 'd|inf', value: { expiresAt: MIN } }]);
  });

  it('with emitFinalOnPurge, emits a final copy when lateness expires', () => {
    const e = new WindowingEngine(pipeline({ emitFinalOnPurge: true, windows: [{ name: 'tumbling_1m', kind: 'tumbling', sizeMs: MIN }] }));
    e.process(tx(T0, 1), 0);
    const fired = e.process(tx(T0 + 65_000, 1), 0);
    expect(fired.results.map((r) => [r.version, r.final])).toEqual([[1, false]]);
    const purged = e.process(tx(T0 + 125_000, 1), 0);
    expect(purged.results.map((r) => [r.windowStart, r.version, r.final])).toEqual([
      [T0, 2, true],
      [T0 + MIN, 1, false],
    ]);
  });

  it('restore ignores state of window definitions that no longer exist and orphaned user keys', () => {
    const e = new WindowingEngine(pipeline());
    e.process(tx(T0, 1), 0);
    const state = e.snapshot();
    const fewer = new WindowingEngine(pipeline({ windows: [{ name: 'tumbling_1m', kind: 'tumbling', sizeMs: MIN }] }));
    const summary = fewer.restore(state);
    expect(summary).toMatchObject({ windows: 1, users: 1, dedupeIds: 1, partitions: 1 });
    // 8 windows of the 4 dropped definitions (5m, 15m, session, 5 sliding) and their 8 user keys.
    expect(summary.ignored).toBe(16);
    expect(find(fewer.advanceWatermarkTo(Number.MAX_SAFE_INTEGER), 'tumbling_1m')).toEqual([expect.objectContaining({ count: 1, distinctUsers: 1 })]);
  });

  it('refuses configurations that name unknown windows or have no sizes', () => {
    expect(() => new WindowingEngine(pipeline({ eventTypes: [{ name: 't', windows: ['nope'] }] }))).toThrow(/unknown window nope/);
    expect(() => new WindowingEngine(pipeline({ windows: [{ name: 'w', kind: 'tumbling' }] }))).toThrow(/sizeMs/);
    expect(() => new WindowingEngine(pipeline({ allowedLatenessMs: -1 }))).toThrow('allowedLatenessMs must be >= 0');
    expect(() => new WindowingEngine(pipeline({ allowedLatenessMs: Number.NaN }))).toThrow('allowedLatenessMs must be >= 0');
    expect(() => new WindowingEngine(pipeline({ eventTypes: [{ name: 't', windows: ['nope'] }] }))).toThrow('event type settings name unknown window nope');
  });
});

describe('WindowingEngine watermark markers (PartitionTime)', () => {
  it('a marker advances its partition like an event would, without counting anything', () => {
    const engine = new WindowingEngine(pipeline());
    const a = { ...tx(T0 + 10_000, 5), partition: 'events.transaction-0' };
    // Partition 1 has sent nothing to this engine, but upstream says it is at T0 + 2 min.
    engine.assignPartitions(['events.transaction-0', 'events.transaction-1'], 0);
    const first = engine.processBatch([a], 0);
    expect(find(first, 'tumbling_1m')).toHaveLength(0);
    const out = engine.processBatch(
      [
        { partition: 'events.transaction-0', eventTime: T0 + 2 * MIN },
        { partition: 'events.transaction-1', eventTime: T0 + 2 * MIN },
      ],
      0,
    );
    const fired = find(out, 'tumbling_1m', T0);
    expect(fired).toHaveLength(1);
    expect(fired[0].count).toBe(1);
    expect(out.watermark).toBe(T0 + 2 * MIN - 5_000);
    expect(out.mutations.some((m) => m.key.includes('events.transaction-1'))).toBe(true);
  });

  it('the slowest partition still holds the watermark back when only the other sends markers', () => {
    const engine = new WindowingEngine(pipeline());
    engine.assignPartitions(['events.transaction-0', 'events.transaction-1'], 0);
    engine.processBatch([tx(T0 + 1_000, 1)], 0);
    const out = engine.processBatch([{ partition: 'events.transaction-1', eventTime: T0 + 10 * MIN }], 0);
    expect(out.watermark).toBe(T0 + 1_000 - 5_000);
    expect(find(out, 'tumbling_1m')).toHaveLength(0);
  });

  it('a marker keeps its partition from going idle', () => {
    const engine = new WindowingEngine(pipeline());
    engine.processBatch([tx(T0, 1), { ...tx(T0 + 20 * MIN, 1), partition: 'events.transaction-1' }], 0);
    engine.processBatch([{ partition: 'events.transaction-0', eventTime: T0 + 30_000 }], 25_000);
    // At 40 s partition 0 has been heard from 15 s ago (marker), so it is not idle and holds the watermark.
    const out = engine.advanceWatermark(40_000);
    expect(out.watermark).toBe(T0 + 30_000 - 5_000);
  });
});
