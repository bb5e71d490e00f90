import type { AggregatedRecord } from '@platform/contracts';
import { ServingSnapshot, ServingState } from './serving-state';

const record = (eventType: string, groupKey: string, windowName: string, start: number, version: number, extra: Partial<AggregatedRecord> = {}): AggregatedRecord => ({
  window_start: start,
  window_end: start + 60_000,
  window_name: windowName,
  window_kind: 'tumbling',
  event_type: eventType,
  group_key: groupKey,
  count: version * 10,
  sum_value: null,
  avg_value: null,
  min_value: null,
  max_value: null,
  distinct_users: 0,
  version,
  is_final: false,
  processed_time: 7,
  ...extra,
});

describe('ServingState', () => {
  it('keeps each (event type, group key, window name) apart', () => {
    const state = new ServingState();
    expect(state.apply(record('click', 'u1', 'tumbling_1m', 0, 1))).toBe(true);
    expect(state.apply(record('click', 'u1', 'tumbling_5m', 0, 2))).toBe(true);
    expect(state.apply(record('click', 'u2', 'tumbling_1m', 0, 3))).toBe(true);
    expect(state.apply(record('view', 'u1', 'tumbling_1m', 60_000, 4))).toBe(true);
    expect(state.apply(record('click', 'u1', 'tumbling_1m', 0, 1))).toBe(false); // a replayed copy
    expect(state.latest('click', 'u1', 'tumbling_1m')?.version).toBe(1);
    expect(state.latest('click', 'u1', 'tumbling_5m')?.version).toBe(2);
    expect(state.latest('click', 'u2', 'tumbling_1m')?.version).toBe(3);
    expect(state.latest('view', 'u1', 'tumbling_1m')?.version).toBe(4);
    expect(state.latest('view', 'u2', 'tumbling_1m')).toBeUndefined();
    expect(state.latest('click', 'u1', 'session_30m')).toBeUndefined();
    expect(state.windowCount).toBe(4);
  });

  it('answers slots (tombstones included) and recent live windows; nothing for an unknown entity', () => {
    const state = new ServingState();
    state.apply(record('click', 'u1', 'tumbling_1m', 0, 1));
    state.apply(record('click', 'u1', 'tumbling_1m', 60_000, 1));
    state.apply(record('click', 'u1', 'tumbling_1m', 60_000, 2, { retracted: true }));
    expect(state.slot('click', 'u1', 'tumbling_1m', 60_000)?.retracted).toBe(true);
    expect(state.slot('click', 'u1', 'tumbling_1m', 120_000)).toBeUndefined();
    expect(state.slot('click', 'nobody', 'tumbling_1m', 0)).toBeUndefined();
    expect(state.slot('click', 'u1', 'nothing', 0)).toBeUndefined();
    expect(state.recent('click', 'u1', 'tumbling_1m', { limit: 10 }).map((w) => w.window_start)).toEqual([0]);
    expect(state.recent('click', 'nobody', 'tumbling_1m', { limit: 10 })).toEqual([]);
    expect(state.recent('click', 'u1', 'nothing', { limit: 10 })).toEqual([]);
  });

  it('tracks the next offset per partition, never moving it back', () => {
    const state = new ServingState();
    expect(state.offsets()).toEqual(new Map());
    state.apply(record('click', 'u1', 'tumbling_1m', 0, 1), 2, 41n);
    state.apply(record('click', 'u1', 'tumbling_1m', 0, 1), 2, 10n); // replayed: offset stays
    state.apply(record('click', 'u1', 'tumbling_1m', 60_000, 1), 0, 0n);
    state.apply(record('click', 'u1', 'tumbling_1m', 120_000, 1)); // no position given
    state.apply(record('click', 'u1', 'tumbling_1m', 180_000, 1), 5); // an offset without a partition, or the reverse, records nothing
    state.apply(record('click', 'u1', 'tumbling_1m', 240_000, 1), undefined, 77n);
    expect(state.offsets()).toEqual(
      new Map([
        [2, 42n],
        [0, 1n],
      ]),
    );
    state.advance(0, 1n);
    state.advance(7, 0n);
    expect(state.offsets().get(0)).toBe(1n);
    expect(state.offsets().get(7)).toBe(0n);
    // The map handed out is a copy.
    state.offsets().set(0, 99n);
    expect(state.offsets().get(0)).toBe(1n);
  });

  it('snapshots to plain JSON and restores the same answers under the given policy', () => {
    const state = new ServingState();
    state.apply(record('click', 'u1', 'tumbling_1m', 0, 1), 1, 9n);
    state.apply(record('click', 'u1', 'tumbling_1m', 60_000, 2, { retracted: true }), 1, 10n);
    state.apply(record('click', 'u1', 'session_30m', 0, 1, { window_kind: 'session', window_end: 5_000 }), 0, 3n);
    state.apply(record('view', '', 'tumbling_1m', 0, 5));
    const snapshot = state.snapshot();
    expect(snapshot.format).toBe(1);
    expect(snapshot.offsets).toEqual({ '1': '11', '0': '4' });
    expect(snapshot.entities.map((e) => [e.event_type, e.group_key, e.windows.map((w) => `${w.window_name}@${w.window_start}v${w.version}`)])).toEqual([
      ['click', 'u1', ['tumbling_1m@0v1', 'tumbling_1m@60000v2', 'session_30m@0v1']],
      ['view', '', ['tumbling_1m@0v5']],
    ]);
    const restored = ServingState.restore(JSON.parse(JSON.stringify(snapshot)) as ServingSnapshot);
    expect(restored.snapshot()).toEqual(snapshot);
    expect(restored.offsets()).toEqual(
      new Map([
        [1, 11n],
        [0, 4n],
      ]),
    );
    expect(restored.slot('click', 'u1', 'tumbling_1m', 60_000)?.retracted).toBe(true);
    expect(restored.latest('view', '', 'tumbling_1m')?.count).toBe(50);
    const capped = ServingState.restore(snapshot, { retentionMs: Number.POSITIVE_INFINITY, maxWindows: 1 });
    expect(capped.windowCount).toBe(3);
    expect(capped.slot('click', 'u1', 'tumbling_1m', 0)).toBeUndefined();
  });

  it('applies its retention policy to every book it creates', () => {
    const state = new ServingState({ retentionMs: 60_000, maxWindows: 10 });
    state.apply(record('click', 'u1', 'tumbling_1m', 120_000, 1));
    expect(state.apply(record('click', 'u1', 'tumbling_1m', 0, 1))).toBe(false);
    expect(state.apply(record('click', 'u1', 'tumbling_1m', 120_000, 2))).toBe(true);
    expect(state.windowCount).toBe(1);
  });

  it('refuses what is not a format 1 snapshot', () => {
    const message = 'not a serving snapshot (format 1)';
    expect(() => ServingState.restore(null as unknown as ServingSnapshot)).toThrow(message);
    expect(() => ServingState.restore({ format: 2, offsets: {}, entities: [] } as unknown as ServingSnapshot)).toThrow(message);
    expect(() => ServingState.restore({ format: 1, entities: [] } as unknown as ServingSnapshot)).toThrow(message);
    expect(() => ServingState.restore({ format: 1, offsets: {}, entities: {} } as unknown as ServingSnapshot)).toThrow(message);
    expect(ServingState.restore({ format: 1, offsets: {}, entities: [] }).windowCount).toBe(0);
  });

  it('keys an entity by event type and group key with a separator neither contains', () => {
    expect(ServingState.entityKey('a', 'b|c')).toBe('a\u0000b|c');
    const state = new ServingState();
    state.apply(record('a|b', 'c', 'w', 0, 1));
    state.apply(record('a', 'b|c', 'w', 0, 2));
    expect(state.latest('a|b', 'c', 'w')?.version).toBe(1);
    expect(state.latest('a', 'b|c', 'w')?.version).toBe(2);
    expect(state.snapshot().entities.map((e) => [e.event_type, e.group_key])).toEqual([
      ['a|b', 'c'],
      ['a', 'b|c'],
    ]);
  });
});
