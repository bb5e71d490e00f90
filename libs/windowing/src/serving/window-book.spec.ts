import { featureVector, ServedWindow, WindowBook } from './window-book';

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
});
