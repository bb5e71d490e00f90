import fc from 'fast-check';
import { forEachSlidingStart, resolveWindows, sessionAbsorbs, sessionProposal, slidingWindows, tumblingStart } from './assigners';

const time = fc.integer({ min: -1_000_000, max: 1_000_000 });

// Brute force, independent of the assigners' arithmetic: every aligned start s = offset + k*advance
// (scanning k over a range wide enough to cover t) whose window [s, s + size) holds t.
function bruteForce(t: number, size: number, advance: number, offset: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const k0 = Math.floor((t - offset - size) / advance) - 2;
  const k1 = Math.floor((t - offset) / advance) + 2;
  for (let k = k0; k <= k1; k++) {
    const s = offset + k * advance;
    if (s <= t && t < s + size) out.push([s, s + size]);
  }
  return out;
}
const sorted = (ws: Array<[number, number]>) => [...ws].sort((a, b) => a[0] - b[0]);

describe('window assigners', () => {
  it('tumbling: exactly the one aligned window that contains the event time', () => {
    fc.assert(
      fc.property(time, fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: -50_000, max: 50_000 }), (t, size, offset) => {
        const start = tumblingStart(t, size, offset);
        expect(sorted([[start, start + size]])).toEqual(bruteForce(t, size, size, offset));
      }),
      { numRuns: 500 },
    );
  });

  it('sliding: exactly the aligned windows that contain the event time, each once', () => {
    fc.assert(
      fc.property(time, fc.integer({ min: 1, max: 5_000 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 4_999 }), fc.integer({ min: -10_000, max: 10_000 }), (t, advance, mult, extra, offset) => {
        const size = advance * mult + (extra % advance); // sizes that are and are not multiples of advance
        const got = slidingWindows(t, size, advance, offset);
        expect(sorted(got)).toEqual(bruteForce(t, size, advance, offset));
        expect(new Set(got.map((w) => w[0])).size).toBe(got.length);
      }),
      { numRuns: 500 },
    );
  });

  it('sliding visits the starts latest first', () => {
    const starts: number[] = [];
    forEachSlidingStart(7 * 60_000 + 5, 5 * 60_000, 60_000, 0, (s) => starts.push(s));
    expect(starts).toEqual([7, 6, 5, 4, 3].map((m) => m * 60_000));
  });

  it('pipeline sizes: 1/5/15 minute tumbling and 5m sliding by 1m', () => {
    const t = Date.UTC(2024, 0, 1, 10, 7, 30);
    const m = 60_000;
    expect(tumblingStart(t, m)).toBe(Date.UTC(2024, 0, 1, 10, 7));
    expect(tumblingStart(t, 5 * m)).toBe(Date.UTC(2024, 0, 1, 10, 5));
    expect(tumblingStart(t, 15 * m)).toBe(Date.UTC(2024, 0, 1, 10, 0));
    expect(slidingWindows(t, 5 * m, m)).toHaveLength(5);
  });

  it('session: an event joins a session iff it is less than a gap away from it', () => {
    fc.assert(
      fc.property(time, fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 500 }), time, (first, span, gap, t) => {
        const last = first + span;
        const joins = sessionAbsorbs(first, last + gap, t, gap);
        // Reference: distance from t to the nearest point of [first, last] is below the gap.
        const distance = t < first ? first - t : t > last ? t - last : 0;
        expect(joins).toBe(distance < gap);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects bad definitions with every problem listed', () => {
    expect(() =>
      resolveWindows(
        [
          { name: 'a', kind: 'tumbling', sizeMs: 0 },
          { name: 'a', kind: 'sliding', sizeMs: 10, advanceMs: 20 },
          { name: 'c', kind: 'session' },
          { name: 'd', kind: 'nope' as never },
        ],
        0,
      ),
    ).toThrow(/sizeMs must be > 0.*duplicate name.*advanceMs.*gapMs.*kind must be/);
  });
  it('aligns negative (pre-1970) times and exact boundaries the same way as positive ones', () => {
    expect(tumblingStart(-1, 60_000)).toBe(-60_000);
    expect(tumblingStart(-60_000, 60_000)).toBe(-60_000);
    expect(tumblingStart(-60_001, 60_000)).toBe(-120_000);
    expect(tumblingStart(60_000, 60_000)).toBe(60_000);
    expect(tumblingStart(59_999, 60_000)).toBe(0);
    expect(tumblingStart(-5, 10, 3)).toBe(-7);
    expect(slidingWindows(-1, 30, 10)).toEqual([
      [-10, 20],
      [-20, 10],
      [-30, 0],
    ]);
    // t = 20 is the end of [-10, 20): not in it.
    expect(slidingWindows(20, 30, 10)).toEqual([
      [20, 50],
      [10, 40],
      [0, 30],
    ]);
  });

  it('a session proposal is [t, t + gap)', () => {
    expect(sessionProposal(-100, 30)).toEqual([-100, -70]);
    expect(sessionAbsorbs(0, 10, 10, 5)).toBe(false); // t exactly at the end
    expect(sessionAbsorbs(0, 10, -5, 5)).toBe(false); // t exactly a gap before the start
    expect(sessionAbsorbs(0, 10, -4, 5)).toBe(true);
  });

  it('resolves defaults: tumbling advance = size, offset 0, the engine-wide lateness unless overridden', () => {
    expect(
      resolveWindows(
        [
          { name: 't', kind: 'tumbling', sizeMs: 60_000 },
          { name: 's', kind: 'sliding', sizeMs: 300_000, advanceMs: 60_000, offsetMs: 5, allowedLatenessMs: 0 },
          { name: 'g', kind: 'session', gapMs: 1_800_000, sizeMs: 7, advanceMs: 9, allowedLatenessMs: 30 },
          { name: 'e', kind: 'sliding', sizeMs: 10, advanceMs: 10 },
        ],
        1000,
      ),
    ).toEqual([
      { index: 0, name: 't', kind: 'tumbling', sizeMs: 60_000, advanceMs: 60_000, offsetMs: 0, allowedLatenessMs: 1000 },
      { index: 1, name: 's', kind: 'sliding', sizeMs: 300_000, advanceMs: 60_000, offsetMs: 5, allowedLatenessMs: 0 },
      { index: 2, name: 'g', kind: 'session', sizeMs: 1_800_000, advanceMs: 0, offsetMs: 0, allowedLatenessMs: 30 },
      { index: 3, name: 'e', kind: 'sliding', sizeMs: 10, advanceMs: 10, offsetMs: 0, allowedLatenessMs: 1000 },
    ]);
    expect(resolveWindows([], 0)).toEqual([]);
  });

  it('names each problem with the definition it belongs to', () => {
    const problems = (defs: unknown[], lateness = 0): string => {
      try {
        resolveWindows(defs as never, lateness);
      } catch (error) {
        return (error as Error).message;
      }
      return 'no error';
    };
    expect(problems([{ name: '', kind: 'tumbling', sizeMs: 1 }])).toBe('invalid window definitions: windows[0] (): name is required');
    expect(problems([{ kind: 'tumbling', sizeMs: 1 }])).toBe('invalid window definitions: windows[0] (undefined): name is required');
    expect(problems([{ name: 'x', kind: 'tumbling', sizeMs: 1 }], -1)).toBe('invalid window definitions: windows[0] (x): allowed lateness must be >= 0');
    expect(problems([{ name: 'x', kind: 'tumbling', sizeMs: 1, allowedLatenessMs: Number.NaN }])).toBe('invalid window definitions: windows[0] (x): allowed lateness must be >= 0');
    expect(problems([{ name: 'x', kind: 'tumbling', sizeMs: 1, allowedLatenessMs: 0 }], -1)).toBe('no error');
    expect(problems([{ name: 'x', kind: 'tumbling' }])).toBe('invalid window definitions: windows[0] (x): sizeMs must be > 0');
    expect(problems([{ name: 'x', kind: 'tumbling', sizeMs: Number.POSITIVE_INFINITY }])).toBe('invalid window definitions: windows[0] (x): sizeMs must be > 0');
    expect(problems([{ name: 'x', kind: 'tumbling', sizeMs: '5' }])).toBe('invalid window definitions: windows[0] (x): sizeMs must be > 0');
    expect(problems([{ name: 'x', kind: 'sliding', advanceMs: 1 }])).toBe('invalid window definitions: windows[0] (x): sizeMs must be > 0; windows[0] (x): advanceMs must be > 0 and <= sizeMs');
    expect(problems([{ name: 'x', kind: 'sliding', sizeMs: 10 }])).toBe('invalid window definitions: windows[0] (x): advanceMs must be > 0 and <= sizeMs');
    expect(problems([{ name: 'x', kind: 'sliding', sizeMs: 10, advanceMs: 11 }])).toBe('invalid window definitions: windows[0] (x): advanceMs must be > 0 and <= sizeMs');
    expect(problems([{ name: 'x', kind: 'session', gapMs: -1 }])).toBe('invalid window definitions: windows[0] (x): gapMs must be > 0');
    expect(problems([{ name: 'x', kind: 'hopping', sizeMs: 1 }])).toBe('invalid window definitions: windows[0] (x): kind must be tumbling, sliding or session');
    expect(problems([{ name: 'x', kind: 'session', gapMs: 1 }, { name: 'y', kind: 'session', gapMs: 1 }, { name: 'x', kind: 'session', gapMs: 1 }])).toBe('invalid window definitions: windows[2] (x): duplicate name');
  });
});
