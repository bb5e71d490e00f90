import type { AggregatedRecord } from '@platform/contracts';
import { entityOf, featureVector, KEEP_EVERYTHING, selectRecent, ServedWindow, supersedes, toServedWindow, WindowBook } from './window-book';

const w = (start: number, version: number, extra: Partial<ServedWindow> = {}): ServedWindow => ({
  window_name: 'tumbling_1m',
  window_kind: 'tumbling',
  window_start: start,
  window_end: start + 60_000,
  count: version,
  sum_value: null,
  avg_value: null,
  min_value: null,
  max_value: null,
  distinct_users: 0,
  version,
  is_final: false,
  processed_time: 0,
  retracted: false,
  ...extra,
});

describe('WindowBook', () => {
  it('keeps the highest version of a window and ignores older or repeated ones', () => {
    const book = new WindowBook();
    expect(book.apply(w(0, 2))).toBe(true);
    expect(book.apply(w(0, 1))).toBe(false);
    expect(book.apply(w(0, 2))).toBe(false);
    expect(book.latest()?.version).toBe(2);
    expect(book.apply(w(0, 3))).toBe(true);
    expect(book.latest()?.count).toBe(3);
  });

  it('hides a retracted window and does not let an older copy bring it back', () => {
    const book = new WindowBook();
    book.apply(w(0, 1));
    book.apply(w(60_000, 1));
    book.apply(w(60_000, 2, { retracted: true }));
    expect(book.latest()?.window_start).toBe(0);
    expect(book.apply(w(60_000, 1))).toBe(false);
    expect(book.recent({ limit: 10 }).map((x) => x.window_start)).toEqual([0]);
    expect(book.apply(w(60_000, 3))).toBe(true);
    expect(book.latest()?.window_start).toBe(60_000);
  });

  it('lists live windows newest first within [from, to) and the limit', () => {
    const book = new WindowBook();
    for (let i = 0; i < 10; i++) book.apply(w(i * 60_000, 1));
    expect(book.recent({ limit: 3 }).map((x) => x.window_start / 60_000)).toEqual([9, 8, 7]);
    expect(book.recent({ limit: 10, from: 2 * 60_000, to: 5 * 60_000 }).map((x) => x.window_start / 60_000)).toEqual([4, 3, 2]);
  });

  it('drops windows older than the retention behind the newest end, and beyond the count cap', () => {
    const book = new WindowBook({ retentionMs: 5 * 60_000, maxWindows: 100 });
    for (let i = 0; i < 10; i++) book.apply(w(i * 60_000, 1));
    // newest end = 10 min; starts before 5 min are gone
    expect(book.recent({ limit: 100 }).map((x) => x.window_start / 60_000)).toEqual([9, 8, 7, 6, 5]);
    expect(book.apply(w(0, 5))).toBe(false);
    const capped = new WindowBook({ retentionMs: Number.POSITIVE_INFINITY, maxWindows: 3 });
    for (let i = 0; i < 10; i++) capped.apply(w(i * 60_000, 1));
    expect(capped.size).toBe(3);
    expect(capped.latest()?.window_start).toBe(9 * 60_000);
  });

  it('builds a feature vector with null for window names that have nothing', () => {
    const book = new WindowBook();
    book.apply(w(0, 1));
    expect(featureVector(['tumbling_1m', 'session_30m'], (name) => (name === 'tumbling_1m' ? book.latest() : undefined))).toEqual({ tumbling_1m: w(0, 1), session_30m: null });
  });
  it('keeps a window that starts exactly the retention before the newest end, drops one a millisecond older', () => {
    const book = new WindowBook({ retentionMs: 120_000, maxWindows: 100 });
    book.apply(w(240_000, 1)); // newest end 300_000: starts >= 180_000 are kept
    expect(book.apply(w(180_000, 1))).toBe(true);
    expect(book.apply(w(179_999, 1))).toBe(false);
    expect(book.all().map((x) => x.window_start)).toEqual([240_000, 180_000]);
    // A newer window moves the horizon: 180_000 < 360_000 - 120_000 is dropped from the stored slots.
    expect(book.apply(w(300_000, 1))).toBe(true);
    expect(book.all().map((x) => x.window_start)).toEqual([240_000, 300_000]);
    expect(book.slot(180_000)).toBeUndefined();
    expect(book.slot(240_000)).toEqual(w(240_000, 1));
  });

  it('an older window does not move the newest end back', () => {
    const book = new WindowBook({ retentionMs: 60_000, maxWindows: 100 });
    book.apply(w(120_000, 1)); // newest end 180_000
    expect(book.apply(w(121_000, 1, { window_end: 130_000 }))).toBe(true);
    expect(book.apply(w(119_000, 1))).toBe(false); // still judged against 180_000, not 179_000
    expect(book.all().map((x) => x.window_start)).toEqual([120_000, 121_000]);
  });

  it('caps at exactly maxWindows, dropping the oldest starts, tombstones counted', () => {
    const book = new WindowBook({ retentionMs: Number.POSITIVE_INFINITY, maxWindows: 2 });
    book.apply(w(0, 1));
    book.apply(w(60_000, 1, { retracted: true }));
    expect(book.size).toBe(2);
    expect(book.all().map((x) => x.window_start)).toEqual([0, 60_000]);
    book.apply(w(-60_000, 1)); // oldest start: dropped again at once
    expect(book.all().map((x) => x.window_start)).toEqual([0, 60_000]);
    expect(book.latest()?.window_start).toBe(0);
  });

  it('an empty book or one holding only tombstones has no latest window', () => {
    const book = new WindowBook();
    expect(book.latest()).toBeUndefined();
    expect(book.size).toBe(0);
    book.apply(w(0, 1, { retracted: true }));
    expect(book.latest()).toBeUndefined();
    expect(book.recent({ limit: 5 })).toEqual([]);
    expect(book.slot(0)?.retracted).toBe(true);
  });
});

describe('serving rules', () => {
  const served = w(60_000, 3, { count: 4, sum_value: 10, avg_value: 2.5, min_value: 1, max_value: 4, distinct_users: 2, is_final: true, processed_time: 99 });
  // The same window as a record: its entity added, the retracted flag left out (older records have none).
  const record = { ...served, event_type: 'page_view', group_key: 'u1', retracted: undefined } as AggregatedRecord;

  it('serves a record as its own fields without the entity, and an absent retracted flag as false', () => {
    expect(toServedWindow(record)).toEqual(served);
    expect(Object.keys(toServedWindow(record)).sort()).toEqual(
      ['avg_value', 'count', 'distinct_users', 'is_final', 'max_value', 'min_value', 'processed_time', 'retracted', 'sum_value', 'version', 'window_end', 'window_kind', 'window_name', 'window_start'],
    );
    expect(toServedWindow({ ...record, retracted: true }).retracted).toBe(true);
    // Longs decoded as strings or bigints are served as numbers.
    const decoded = toServedWindow({ ...record, window_start: '60000', window_end: 120000n, count: '4', distinct_users: 2n, processed_time: '99' } as unknown as AggregatedRecord);
    expect([decoded.window_start, decoded.window_end, decoded.count, decoded.distinct_users, decoded.processed_time]).toEqual([60_000, 120_000, 4, 2, 99]);
    expect(entityOf(record)).toEqual({ eventType: 'page_view', groupKey: 'u1' });
  });

  it('a version supersedes only a strictly lower one, or an empty slot', () => {
    expect(supersedes({ version: 1 }, undefined)).toBe(true);
    expect(supersedes({ version: 2 }, { version: 1 })).toBe(true);
    expect(supersedes({ version: 2 }, { version: 2 })).toBe(false);
    expect(supersedes({ version: 1 }, { version: 2 })).toBe(false);
  });

  it('selects with from inclusive and to exclusive, skipping tombstones, newest first', () => {
    const windows = [w(0, 1), w(60_000, 1), w(120_000, 1, { retracted: true }), w(180_000, 1), w(240_000, 1)];
    const starts = (q: Parameters<typeof selectRecent>[1]): number[] => selectRecent(windows, q).map((x) => x.window_start);
    expect(starts({ limit: 10, from: 60_000, to: 180_000 })).toEqual([60_000]);
    expect(starts({ limit: 10, from: 60_001, to: 180_001 })).toEqual([180_000]);
    expect(starts({ limit: 10, to: 60_000 })).toEqual([0]);
    expect(starts({ limit: 10, from: 180_000 })).toEqual([240_000, 180_000]);
    expect(starts({ limit: 2 })).toEqual([240_000, 180_000]);
    expect(starts({ limit: 0 })).toEqual([]);
  });

  it('keeps everything by default', () => {
    expect(KEEP_EVERYTHING).toEqual({ retentionMs: Number.POSITIVE_INFINITY, maxWindows: Number.MAX_SAFE_INTEGER });
    const book = new WindowBook();
    book.apply(w(1e15, 1));
    expect(book.apply(w(-1e15, 1))).toBe(true);
    expect(book.size).toBe(2);
  });
});
