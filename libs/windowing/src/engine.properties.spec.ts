/**
 * Property tests of the engine against an independent model. The model recomputes, from the input
 * alone, what the engine must have done: the watermark each event was judged against (single
 * partition: max earlier event time minus the bound), which windows each event belongs to (brute
 * force), which are too late, and the aggregates by plain arithmetic over the accepted events.
 */
import fc from 'fast-check';
import { WindowingEngine } from './engine';
import { compactMutations } from './mutations';
import type { EngineOutput, StateMutation, WindowEvent, WindowingConfig, WindowResult } from './types';
import { NO_WATERMARK } from './watermark';

const END = Number.MAX_SAFE_INTEGER;

interface Params {
  ooo: number;
  lateness: number;
  tSize: number;
  sAdv: number;
  sMul: number;
  gap: number;
}
const paramsArb: fc.Arbitrary<Params> = fc.record({
  ooo: fc.integer({ min: 0, max: 10 }),
  lateness: fc.integer({ min: 0, max: 15 }),
  tSize: fc.integer({ min: 1, max: 12 }),
  sAdv: fc.integer({ min: 1, max: 6 }),
  sMul: fc.integer({ min: 1, max: 4 }),
  gap: fc.integer({ min: 1, max: 10 }),
});

function config(p: Params, extra: Partial<WindowingConfig> = {}): WindowingConfig {
  return {
    windows: [
      { name: 'tum', kind: 'tumbling', sizeMs: p.tSize },
      { name: 'sld', kind: 'sliding', sizeMs: p.sAdv * p.sMul, advanceMs: p.sAdv },
      { name: 'ses', kind: 'session', gapMs: p.gap },
    ],
    maxOutOfOrdernessMs: p.ooo,
    allowedLatenessMs: p.lateness,
    // Exact expiry (no bucketing slack), so the tests see ids forgotten at the earliest allowed point.
    dedupeBucketMs: 1,
    eventTypes: [
      { name: 'a', valueField: 'v', groupBy: 'g' },
      { name: 'b', valueField: 'v' },
    ],
    ...extra,
  };
}

interface Raw {
  ts: number;
  type: string;
  g: string;
  user?: string;
  v?: number | string;
}
const rawArb = (value: fc.Arbitrary<number> = fc.integer({ min: -1000, max: 1000 }), ts = fc.integer({ min: -30, max: 150 })): fc.Arbitrary<Raw> =>
  fc.record(
    {
      ts,
      type: fc.constantFrom('a', 'b'),
      g: fc.constantFrom('x', 'y'),
      user: fc.constantFrom('u1', 'u2', 'u3', 'u4'),
      // Non-numeric values count the event but must not touch sum/min/max/avg.
      v: fc.oneof({ weight: 4, arbitrary: value }, { weight: 1, arbitrary: fc.constant('n/a') }),
    },
    { requiredKeys: ['ts', 'type', 'g'] },
  );

function toEvents(raws: Raw[], partitions = 1): WindowEvent[] {
  return raws.map((r, i) => ({
    eventId: `e${i}`,
    eventType: r.type,
    timestamp: r.ts,
    userId: r.user,
    payload: r.v === undefined ? { g: r.g } : { g: r.g, v: r.v },
    partition: `p${i % partitions}`,
  }));
}

/** Inserts copies of random events somewhere after their original. */
function withDuplicates(events: WindowEvent[], dups: Array<[number, number]>): WindowEvent[] {
  const out = [...events];
  for (const [a, b] of dups) {
    if (out.length === 0) break;
    const src = a % out.length;
    const at = src + 1 + (b % (out.length - src));
    out.splice(at, 0, { ...out[src] });
  }
  return out;
}

// ---- the model -----------------------------------------------------------------------------------

interface Win {
  name: string;
  kind: 'tumbling' | 'sliding' | 'session';
  start: number;
  end: number;
}
const idOf = (type: string, group: string, w: { name: string; start: number; end: number }) => `${type}|${w.name}|${group}|${w.start}|${w.end}`;
const groupOf = (e: WindowEvent) => (e.eventType === 'a' ? String((e.payload as { g: string }).g) : '');

/** Every window an event belongs to, by brute force over aligned starts. */
function windowsOf(e: WindowEvent, p: Params): Win[] {
  const out: Win[] = [];
  const fixed: Array<[string, 'tumbling' | 'sliding', number, number]> = [
    ['tum', 'tumbling', p.tSize, p.tSize],
    ['sld', 'sliding', p.sAdv * p.sMul, p.sAdv],
  ];
  for (const [name, kind, size, adv] of fixed) {
    for (let k = Math.floor((e.timestamp - size) / adv) - 1; k * adv <= e.timestamp; k++) {
      const s = k * adv;
      if (s <= e.timestamp && e.timestamp < s + size) out.push({ name, kind, start: s, end: s + size });
    }
  }
  out.push({ name: 'ses', kind: 'session', start: e.timestamp, end: e.timestamp + p.gap });
  return out;
}

interface Agg {
  count: number;
  valueCount: number;
  sum: number | null;
  avg: number | null;
  min: number | null;
  max: number | null;
  distinctUsers: number;
  firstEventTime: number;
  lastEventTime: number;
}
function aggregate(events: WindowEvent[]): Agg {
  const values = events.map((e) => (e.payload as { v?: unknown }).v).filter((v): v is number => typeof v === 'number');
  const sum = values.reduce((a, b) => a + b, 0);
  return {
    count: events.length,
    valueCount: values.length,
    sum: values.length ? sum : null,
    avg: values.length ? sum / values.length : null,
    min: values.length ? Math.min(...values) : null,
    max: values.length ? Math.max(...values) : null,
    distinctUsers: new Set(events.map((e) => e.userId).filter((u) => u)).size,
    firstEventTime: Math.min(...events.map((e) => e.timestamp)),
    lastEventTime: Math.max(...events.map((e) => e.timestamp)),
  };
}
const project = (r: WindowResult): Agg => ({
  count: r.count,
  valueCount: r.valueCount,
  sum: r.sum,
  avg: r.avg,
  min: r.min,
  max: r.max,
  distinctUsers: r.distinctUsers,
  firstEventTime: r.firstEventTime,
  lastEventTime: r.lastEventTime,
});

interface EventVerdict {
  duplicate: boolean;
  watermark: number;
  /** For duplicates: would every window of the copy be too late? */
  allMissed: boolean;
  missed: string[];
  accepted: number;
  /** Windows already fired when the event arrived: it must re-emit them with this count. */
  updates: Array<{ id: string; count: number }>;
}

function model(events: WindowEvent[], p: Params): { verdicts: EventVerdict[]; expected: Map<string, Agg> } {
  let maxTs: number | null = null;
  const counted = new Set<string>();
  const fixed = new Map<string, WindowEvent[]>();
  const sessions = new Map<string, WindowEvent[]>();
  const verdicts: EventVerdict[] = [];
  for (const e of events) {
    const w = maxTs === null ? NO_WATERMARK : maxTs - p.ooo;
    const group = groupOf(e);
    const wins = windowsOf(e, p);
    const tooLate = (x: Win) => (x.kind === 'session' ? e.timestamp < w - p.lateness : w >= x.end + p.lateness);
    if (counted.has(e.eventId)) {
      verdicts.push({ duplicate: true, watermark: w, allMissed: wins.every(tooLate), missed: [], accepted: 0, updates: [] });
    } else {
      const v: EventVerdict = { duplicate: false, watermark: w, allMissed: false, missed: [], accepted: 0, updates: [] };
      for (const x of wins) {
        if (tooLate(x)) {
          v.missed.push(idOf(e.eventType, group, x));
          continue;
        }
        v.accepted++;
        if (x.kind === 'session') {
          const key = `${e.eventType}|${group}`;
          sessions.set(key, [...(sessions.get(key) ?? []), e]);
        } else {
          const id = idOf(e.eventType, group, x);
          fixed.set(id, [...(fixed.get(id) ?? []), e]);
          if (w >= x.end) v.updates.push({ id, count: fixed.get(id)!.length });
        }
      }
      // Every id seen is remembered, a fully late one too: a resend is a duplicate, not late again.
      counted.add(e.eventId);
      verdicts.push(v);
    }
    maxTs = maxTs === null ? e.timestamp : Math.max(maxTs, e.timestamp);
  }
  const expected = new Map<string, Agg>();
  for (const [id, evs] of fixed) expected.set(id, aggregate(evs));
  // Sessions by definition: sort the accepted events, cut wherever the next is a gap or more away.
  for (const [key, evs] of sessions) {
    const [type, group] = key.split('|');
    const sorted = [...evs].sort((a, b) => a.timestamp - b.timestamp);
    let run: WindowEvent[] = [];
    const close = () => {
      const first = run[0].timestamp;
      const last = run[run.length - 1].timestamp;
      expected.set(idOf(type, group, { name: 'ses', start: first, end: last + p.gap }), aggregate(run));
    };
    for (const e of sorted) {
      if (run.length > 0 && e.timestamp - run[run.length - 1].timestamp >= p.gap) {
        close();
        run = [];
      }
      run.push(e);
    }
    if (run.length > 0) close();
  }
  return { verdicts, expected };
}

// ---- helpers -------------------------------------------------------------------------------------

const resultId = (r: WindowResult) => idOf(r.eventType, r.groupKey, { name: r.windowName, start: r.windowStart, end: r.windowEnd });

/** The standing result per window: the latest version, minus windows whose latest word is a retraction. */
function standing(outputs: EngineOutput[]): Map<string, WindowResult> {
  const latest = new Map<string, WindowResult>();
  for (const o of outputs) for (const r of o.results) latest.set(resultId(r), r);
  for (const [id, r] of latest) if (r.retracted) latest.delete(id);
  return latest;
}
const standingAggs = (outputs: EngineOutput[]) => new Map([...standing(outputs)].map(([id, r]) => [id, project(r)]));

function run(engine: WindowingEngine, events: WindowEvent[], nowMs = 0): EngineOutput[] {
  const outs = events.map((e) => engine.process(e, nowMs));
  outs.push(engine.advanceWatermarkTo(END));
  return outs;
}

const asMap = (ms: StateMutation[]) => new Map(ms.map((m) => [m.key, m.value]));
const roundTrip = <T>(x: T): T => JSON.parse(JSON.stringify(x));

// ---- properties ----------------------------------------------------------------------------------

describe('windowing engine properties', () => {
  const spanned = fc.integer({ min: 10, max: 180 }).chain((span) => fc.array(rawArb(undefined, fc.integer({ min: -30, max: span - 30 })), { minLength: 1, maxLength: 50 }));

  it('assigns, aggregates, fires, updates late and rejects too-late events exactly as the model says', () => {
    const seen = { lateUpdates: 0, partial: 0, fullyLate: 0, retractions: 0, duplicates: 0 };
    fc.assert(
      // Narrow time spans make late events within lateness (and so session retractions) common.
      fc.property(paramsArb, spanned, fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 8 }), (p, raws, dups) => {
        const events = withDuplicates(toEvents(raws), dups);
        const { verdicts, expected } = model(events, p);
        const engine = new WindowingEngine(config(p));
        const outs = run(engine, events);

        // Final standing results equal plain arithmetic over the accepted events: every event is
        // counted once in each of its windows per definition, or reported in `missed`.
        expect(standingAggs(outs)).toEqual(expected);

        let lastWatermark = NO_WATERMARK;
        events.forEach((e, i) => {
          const out = outs[i];
          const v = verdicts[i];
          expect(out.watermark).toBeGreaterThanOrEqual(lastWatermark);
          lastWatermark = out.watermark;
          if (v.duplicate) {
            // A copy is dropped as a duplicate, or (its id long expired) rejected as too late everywhere.
            seen.duplicates++;
            if (out.duplicates.length === 0) {
              expect(v.allMissed).toBe(true);
              expect(out.rejected).toMatchObject([{ reason: 'LATE', partial: false }]);
            } else {
              expect(out.duplicates).toEqual([e.eventId]);
              expect(out.rejected).toEqual([]);
            }
            return;
          }
          expect(out.duplicates).toEqual([]);
          if (v.missed.length === 0) {
            expect(out.rejected).toEqual([]);
          } else {
            expect(out.rejected).toHaveLength(1);
            const late = out.rejected[0];
            if (late.reason !== 'LATE') throw new Error('expected LATE');
            expect(late.event).toBe(e);
            expect(late.watermark).toBe(v.watermark);
            expect(late.partial).toBe(v.accepted > 0);
            expect(late.missed.map((m) => idOf(e.eventType, groupOf(e), { name: m.windowName, start: m.windowStart, end: m.windowEnd })).sort()).toEqual([...v.missed].sort());
            if (late.partial) seen.partial++;
            else seen.fullyLate++;
          }
          // Within lateness after firing: the window is re-emitted at once, including this event.
          for (const u of v.updates) {
            const r = out.results.find((x) => resultId(x) === u.id && !x.retracted);
            expect(r?.count).toBe(u.count);
            seen.lateUpdates++;
          }
        });

        const versions = new Map<string, number[]>();
        for (const o of outs) {
          for (const r of o.results) {
            if (r.retracted) {
              seen.retractions++;
              expect(r.final).toBe(true);
            } else {
              // Never fires before the watermark passes the end; final exactly when past lateness.
              expect(r.watermark).toBeGreaterThanOrEqual(r.windowEnd);
              expect(r.final).toBe(r.watermark >= r.windowEnd + p.lateness);
            }
            versions.set(resultId(r), [...(versions.get(resultId(r)) ?? []), r.version]);
          }
        }
        for (const [id, vs] of versions) {
          for (let i = 1; i < vs.length; i++) expect(vs[i]).toBeGreaterThan(vs[i - 1]);
          if (!id.includes('|ses|')) expect(vs).toEqual(vs.map((_, i) => i + 1));
        }
        // Everything fired and purged at the end: nothing left open.
        expect(engine.stats().openWindows).toBe(0);
      }),
      { numRuns: 300 },
    );
    // The interesting paths were exercised, not just the easy ones.
    for (const [path, n] of Object.entries(seen)) expect([path, n > 0]).toEqual([path, true]);
  });

  it('duplicates in the input do not change the results', () => {
    fc.assert(
      fc.property(paramsArb, fc.array(rawArb(), { minLength: 1, maxLength: 40 }), fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 15 }), (p, raws, dups) => {
        const events = toEvents(raws);
        const clean = run(new WindowingEngine(config(p)), events);
        const dirty = run(new WindowingEngine(config(p)), withDuplicates(events, dups));
        expect(dirty.flatMap((o) => o.results)).toEqual(clean.flatMap((o) => o.results));
      }),
      { numRuns: 200 },
    );
  });

  it('any arrival order within the out-of-orderness bound gives the same final results (float values too)', () => {
    const arrival = fc.record({ p: paramsArb, raws: fc.array(rawArb(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 200 })), { minLength: 1, maxLength: 50 }) }).chain(({ p, raws }) =>
      fc.tuple(fc.constant(p), fc.constant(raws), fc.array(fc.integer({ min: 0, max: p.ooo }), { minLength: raws.length, maxLength: raws.length })),
    );
    fc.assert(
      fc.property(arrival, ([p, raws, jitter]) => {
        const events = toEvents(raws);
        const inOrder = [...events].sort((a, b) => a.timestamp - b.timestamp);
        // Arriving in order of (time + jitter) with jitter <= bound: no event is ever more than the
        // bound behind the latest one before it.
        const shuffled = events.map((e, i) => ({ e, at: e.timestamp + jitter[i] })).sort((a, b) => a.at - b.at).map((x) => x.e);
        const a = run(new WindowingEngine(config(p)), inOrder);
        const b = run(new WindowingEngine(config(p)), shuffled);
        for (const o of [...a, ...b]) expect(o.rejected).toEqual([]);
        for (const r of [...a, ...b].flatMap((o) => o.results)) expect(r.version).toBe(1);
        // Everything but when it was emitted: the watermark at emission, and with it whether the
        // watermark had already passed the lateness horizon (final), depend on arrival order.
        const strip = (outs: EngineOutput[]) => new Map([...standing(outs)].map(([id, r]) => [id, { ...r, watermark: 0, final: undefined }]));
        expect(strip(b)).toEqual(strip(a));
      }),
      { numRuns: 150 },
    );
  });

  it('sums and averages do not depend on the order a window received its values in', () => {
    const values = fc.array(fc.oneof(fc.double({ min: -1e12, max: 1e12, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true })), { minLength: 2, maxLength: 30 });
    fc.assert(
      fc.property(values.chain((vs) => fc.tuple(fc.constant(vs), fc.shuffledSubarray(vs, { minLength: vs.length, maxLength: vs.length }))), ([vs, shuffled]) => {
        const p: Params = { ooo: 100, lateness: 0, tSize: 100, sAdv: 10, sMul: 10, gap: 100 };
        // All in one tumbling window and within the disorder bound, so any order is on time.
        const evs = (xs: number[]) => toEvents(xs.map((v, i) => ({ ts: i % 50, type: 'b', g: 'x', v })));
        const a = standing(run(new WindowingEngine(config(p)), evs(vs))).get('b|tum||0|100')!;
        const b = standing(run(new WindowingEngine(config(p)), evs(shuffled))).get('b|tum||0|100')!;
        expect([b.sum, b.avg, b.min, b.max]).toEqual([a.sum, a.avg, a.min, a.max]);
      }),
      { numRuns: 200 },
    );
  });

  type Op = { kind: 'event'; raw: Raw; partition: number; dt: number } | { kind: 'tick'; dt: number } | { kind: 'dup'; of: number; dt: number };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    { weight: 8, arbitrary: fc.record({ kind: fc.constant('event' as const), raw: rawArb(), partition: fc.integer({ min: 0, max: 2 }), dt: fc.integer({ min: 0, max: 20 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), dt: fc.integer({ min: 0, max: 60 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('dup' as const), of: fc.nat(), dt: fc.integer({ min: 0, max: 20 }) }) },
  );

  /** Turns ops into engine calls (multi-partition, processing time advancing, idleness ticks). */
  function calls(ops: Op[]): Array<(e: WindowingEngine) => EngineOutput> {
    let now = 0;
    const sent: WindowEvent[] = [];
    return ops.map((op, i) => {
      now += op.dt;
      const at = now;
      if (op.kind === 'tick') return (e) => e.advanceWatermark(at);
      let ev: WindowEvent;
      if (op.kind === 'dup' && sent.length > 0) ev = { ...sent[op.of % sent.length] };
      else if (op.kind === 'event') ev = { ...toEvents([op.raw])[0], eventId: `e${i}`, partition: `p${op.partition}` };
      else return (e) => e.advanceWatermark(at);
      sent.push(ev);
      return (e) => e.process(ev, at);
    });
  }

  it('restore: stopping anywhere, restoring the mutations into a fresh engine and continuing gives the same outputs', () => {
    fc.assert(
      fc.property(paramsArb, fc.integer({ min: 1, max: 60 }), fc.array(opArb, { minLength: 1, maxLength: 60 }), fc.nat(), fc.constantFrom('log', 'compacted', 'snapshot'), (p, idle, ops, cut, mode) => {
        const cfg = config(p, { idleTimeoutMs: idle, emitFinalOnPurge: idle % 2 === 0 });
        const steps = calls(ops);
        const k = cut % (steps.length + 1);

        const whole = new WindowingEngine(cfg);
        const expected = steps.map((s) => s(whole)).concat([whole.advanceWatermarkTo(END)]);

        const first = new WindowingEngine(cfg);
        const log = steps.slice(0, k).map((s) => roundTrip(s(first).mutations));
        const entries = mode === 'log' ? log.flat() : mode === 'compacted' ? compactMutations(log) : roundTrip(first.snapshot());
        const second = new WindowingEngine(cfg);
        second.restore(entries);
        expect(second.snapshot()).toEqual(first.snapshot());

        const rest = steps.slice(k).map((s) => s(second)).concat([second.advanceWatermarkTo(END)]);
        const tail = expected.slice(k);
        expect(rest.map((o) => o.results)).toEqual(tail.map((o) => o.results));
        expect(rest.map((o) => o.rejected)).toEqual(tail.map((o) => o.rejected));
        expect(rest.map((o) => o.duplicates)).toEqual(tail.map((o) => o.duplicates));
        expect(rest.map((o) => o.watermark)).toEqual(tail.map((o) => o.watermark));
        expect(rest.map((o) => asMap(o.mutations))).toEqual(tail.map((o) => asMap(o.mutations)));
        expect(second.snapshot()).toEqual(whole.snapshot());
      }),
      { numRuns: 250 },
    );
  });

  it('the mutations of every call, replayed, always describe the live state exactly', () => {
    fc.assert(
      fc.property(paramsArb, fc.integer({ min: 1, max: 60 }), fc.array(opArb, { minLength: 1, maxLength: 40 }), (p, idle, ops) => {
        const engine = new WindowingEngine(config(p, { idleTimeoutMs: idle }));
        const state = new Map<string, unknown>();
        for (const step of calls(ops)) {
          for (const m of roundTrip(step(engine).mutations)) {
            if (m.value === null) state.delete(m.key);
            else state.set(m.key, m.value);
          }
          expect(state).toEqual(asMap(roundTrip(engine.snapshot())));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('processBatch equals processing the same events one at a time', () => {
    fc.assert(
      fc.property(paramsArb, fc.array(rawArb(), { minLength: 1, maxLength: 40 }), (p, raws) => {
        const events = toEvents(raws, 3);
        const single = new WindowingEngine(config(p));
        const one = events.map((e) => single.process(e, 7));
        const batched = new WindowingEngine(config(p));
        const all = batched.processBatch(events, 7);
        expect(all.results).toEqual(one.flatMap((o) => o.results));
        expect(all.rejected).toEqual(one.flatMap((o) => o.rejected));
        expect(all.mutations).toEqual(compactMutations(one.map((o) => o.mutations)));
        expect(batched.snapshot()).toEqual(single.snapshot());
      }),
      { numRuns: 150 },
    );
  });
});
