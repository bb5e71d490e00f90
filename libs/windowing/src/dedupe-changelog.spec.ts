import fc from 'fast-check';
import { DedupeChangelog } from './dedupe-changelog';
import { WindowingEngine } from './engine';
import { compactMutations } from './mutations';
import type { EngineOutput, StateMutation, StateValue, WindowingConfig } from './types';

type Op = { kind: 'event'; ts: number; copyOf?: number } | { kind: 'tick'; dt: number } | { kind: 'refusal'; ts: number } | { kind: 'commit' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('event' as const), ts: fc.integer({ min: 0, max: 400 }), copyOf: fc.option(fc.nat(), { nil: undefined }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), dt: fc.integer({ min: 1, max: 100 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('refusal' as const), ts: fc.integer({ min: 0, max: 400 }) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'commit' as const }) },
);

function config(bucket: number, ttl: number | undefined): WindowingConfig {
  return {
    windows: [
      { name: 'tum', kind: 'tumbling', sizeMs: 20 },
      { name: 'ses', kind: 'session', gapMs: 7 },
    ],
    maxOutOfOrdernessMs: 5,
    allowedLatenessMs: 10,
    idleTimeoutMs: 50,
    dedupeBucketMs: bucket,
    dedupeTtlMs: ttl,
    eventTypes: [{ name: 'a' }],
  };
}

/** What a changelog read back gives: the values through the JSON-like codec. */
const roundTrip = (ms: StateMutation[]): Array<readonly [string, StateValue | null]> => ms.map((m) => [m.key, m.value === null ? null : (JSON.parse(JSON.stringify(m.value)) as StateValue)]);

/** Runs ops on an engine; every commit packs what the engine produced since the previous one and appends it to `log`. */
function drive(engine: WindowingEngine, changelog: DedupeChangelog, ops: Op[], log: Array<readonly [string, StateValue | null]>, onCommit: (records: StateMutation[]) => void): void {
  let pending: EngineOutput[] = [];
  let now = 0;
  const sent: string[] = [];
  ops.forEach((op, i) => {
    if (op.kind === 'commit') {
      const records = changelog.pack(compactMutations(pending.map((o) => o.mutations)), engine.watermark);
      pending = [];
      log.push(...roundTrip(records));
      onCommit(records);
      return;
    }
    now += op.kind === 'tick' ? op.dt : 1;
    if (op.kind === 'tick') pending.push(engine.advanceWatermark(now));
    else if (op.kind === 'refusal') pending.push(engine.recordRefusal(`r${i}`, op.ts));
    else {
      const id = op.copyOf !== undefined && sent.length > 0 ? sent[op.copyOf % sent.length] : `e${i}`;
      sent.push(id);
      pending.push(engine.process({ eventId: id, eventType: 'a', timestamp: op.ts, partition: 'p0' }, now));
    }
  });
}

function restored(cfg: WindowingConfig, log: Array<readonly [string, StateValue | null]>): { engine: WindowingEngine; changelog: DedupeChangelog } {
  const engine = new WindowingEngine(cfg);
  const changelog = new DedupeChangelog(engine.dedupeBucket);
  engine.restore(changelog.unpack(log));
  return { engine, changelog };
}

describe('DedupeChangelog', () => {
  it('after every commit the changelog restores the engine exactly, also when a task reopened from it continues', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }), fc.array(opArb, { maxLength: 80 }), fc.nat(), (bucket, ttl, ops, cut) => {
        const cfg = config(bucket, ttl);
        const k = cut % (ops.length + 1);
        const log: Array<readonly [string, StateValue | null]> = [];
        const whole = new WindowingEngine(cfg);
        const first = { engine: new WindowingEngine(cfg), changelog: new DedupeChangelog(bucket) };
        drive(first.engine, first.changelog, [...ops.slice(0, k), { kind: 'commit' }], log, () => expect(restored(cfg, log).engine.snapshot()).toEqual(first.engine.snapshot()));
        drive(whole, new DedupeChangelog(bucket), ops.slice(0, k), [], () => undefined);
        // A task reopened from the changelog goes on where the first stopped.
        const second = restored(cfg, log);
        drive(second.engine, second.changelog, [...ops.slice(k), { kind: 'commit' }], log, () => expect(restored(cfg, log).engine.snapshot()).toEqual(second.engine.snapshot()));
        drive(whole, new DedupeChangelog(bucket), ops.slice(k), [], () => undefined);
        expect(second.engine.snapshot()).toEqual(whole.snapshot());
      }),
      { numRuns: 300 },
    );
  });

  it('writes one record per expiry bucket per commit, and deletes a bucket with one tombstone per record', () => {
    const engine = new WindowingEngine(config(1000, 2000));
    const changelog = new DedupeChangelog(engine.dedupeBucket);
    const outputs = Array.from({ length: 50 }, (_, i) => engine.process({ eventId: `e${i}`, eventType: 'a', timestamp: 1000 + i * 10, partition: 'p0' }, 0));
    const first = changelog.pack(compactMutations(outputs.map((o) => o.mutations)), engine.watermark);
    const packs = first.filter((m) => m.key.startsWith('D|'));
    // Expiries 3000..3490 with a 1 s bucket: all in bucket 3000 (t=1000 exactly) or 4000.
    expect(packs.map((m) => m.key)).toEqual(['D|3000|0', 'D|4000|0']);
    expect(packs.flatMap((m) => (m.value as { ids: string[] }).ids)).toHaveLength(50);
    expect(first.some((m) => m.key.startsWith('d|'))).toBe(false);
    const more = engine.process({ eventId: 'f', eventType: 'a', timestamp: 1900, partition: 'p0' }, 0);
    expect(changelog.pack(more.mutations, engine.watermark).filter((m) => m.key.startsWith('D|')).map((m) => m.key)).toEqual(['D|4000|1']);
    // The watermark passes 4000: both buckets' records go, and no id has a tombstone of its own.
    const later = engine.process({ eventId: 'g', eventType: 'a', timestamp: 9000, partition: 'p0' }, 0);
    const gone = changelog.pack(later.mutations, engine.watermark);
    expect(gone.filter((m) => m.value === null && m.key.startsWith('D|')).map((m) => m.key).sort()).toEqual(['D|3000|0', 'D|4000|0', 'D|4000|1']);
    expect(gone.some((m) => m.key.startsWith('d|'))).toBe(false);
  });

  it('restores the one-record-per-id changelog of earlier releases, and deletes those records one by one', () => {
    const changelog = new DedupeChangelog(1000);
    const entries = changelog.unpack([
      ['wm', { watermark: 500 }],
      ['d|old', { expiresAt: 2500 }],
      ['D|3000|0', { ids: ['a', 'b'], expiresAt: [2600, 2700] }],
    ]);
    expect(entries).toEqual([
      ['wm', { watermark: 500 }],
      ['d|old', { expiresAt: 2500 }],
      ['d|a', { expiresAt: 2600 }],
      ['d|b', { expiresAt: 2700 }],
    ]);
    const out = changelog.pack(
      [
        { key: 'd|old', value: null },
        { key: 'd|a', value: null },
        { key: 'd|c', value: { expiresAt: 2800 } },
      ],
      3000,
    );
    // d|c's bucket is already behind the watermark: its own record, as before packing.
    expect(out).toEqual([
      { key: 'd|old', value: null },
      { key: 'd|c', value: { expiresAt: 2800 } },
      { key: 'D|3000|0', value: null },
    ]);
  });
  it('continues a restored bucket after its highest record, reading mutations and tombstones in order', () => {
    const changelog = new DedupeChangelog(1000);
    const entries = changelog.unpack([
      { key: 'D|5000|4', value: { ids: ['x'], expiresAt: [4100] } },
      { key: 'D|5000|1', value: { ids: ['y'], expiresAt: [4200] } },
      { key: 'D|5000|2', value: { ids: ['gone'], expiresAt: [4300] } },
      { key: 'D|5000|2', value: null },
      ['d|z', { expiresAt: 4400 }],
      ['d|z', null],
    ]);
    expect(entries).toEqual([
      ['d|x', { expiresAt: 4100 }],
      ['d|y', { expiresAt: 4200 }],
    ]);
    expect(changelog.pack([{ key: 'd|w', value: { expiresAt: 4500 } }], 4000)).toEqual([{ key: 'D|5000|5', value: { ids: ['w'], expiresAt: [4500] } }]);
    // The watermark reaches 5000 exactly: every live record of the bucket goes, the tombstoned one not again.
    expect(changelog.pack([], 5000)).toEqual([
      { key: 'D|5000|4', value: null },
      { key: 'D|5000|1', value: null },
      { key: 'D|5000|5', value: null },
    ]);
    expect(changelog.pack([], 6000)).toEqual([]);
  });

  it('keeps a bucket the watermark has not reached, and packs an id whose bucket is one past it', () => {
    const changelog = new DedupeChangelog(10);
    const other = { key: 'w|tum|0', value: { count: 1 } };
    const out = changelog.pack([other, { key: 'd|a', value: { expiresAt: 21 } }, { key: 'd|b', value: { expiresAt: 20 } }, { key: 'd|c', value: { expiresAt: 30 } }], 20);
    expect(out).toEqual([
      other,
      { key: 'd|b', value: { expiresAt: 20 } },
      { key: 'D|30|0', value: { ids: ['a', 'c'], expiresAt: [21, 30] } },
    ]);
    expect(changelog.pack([], 29)).toEqual([]);
    // b was written as its own record: its tombstone is passed on; a packed id's is not.
    expect(changelog.pack([{ key: 'd|b', value: null }, { key: 'd|a', value: null }], 29)).toEqual([{ key: 'd|b', value: null }]);
    expect(changelog.pack([{ key: 'd|b', value: null }], 29)).toEqual([]);
  });

  it('refuses a pack record that is not one', () => {
    const bad = (key: string, value: unknown): (() => unknown) => () => new DedupeChangelog(1000).unpack([[key, value as StateValue]]);
    expect(bad('D|x|0', { ids: [], expiresAt: [] })).toThrow('changelog record D|x|0 is not a packed dedupe record');
    expect(bad('D|1000|0', { ids: 'a', expiresAt: [] })).toThrow('changelog record D|1000|0 is not a packed dedupe record');
    expect(bad('D|1000|0', { ids: [], expiresAt: 5 })).toThrow('changelog record D|1000|0 is not a packed dedupe record');
    expect(bad('D|1000|0', { ids: ['a'], expiresAt: [] })).toThrow('changelog record D|1000|0 is not a packed dedupe record');
    expect(bad('D|1000|0', { ids: ['a'], expiresAt: [900] })()).toEqual([['d|a', { expiresAt: 900 }]]);
  });
});
