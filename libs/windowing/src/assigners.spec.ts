import fc from 'fast-check';
import { forEachSlidingStart, resolveWindows, sessionAbsorbs, slidingWindows, tumblingStart } from './assigners';

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
});
