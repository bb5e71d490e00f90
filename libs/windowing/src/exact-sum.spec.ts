import fc from 'fast-check';
import { addExact, mergeExact, readExact } from './exact-sum';

const sumOf = (xs: number[]): number => {
  const p: number[] = [];
  for (const x of xs) addExact(p, x);
  return readExact(p);
};

// Independent reference: every finite double is an integer multiple of 2^-1074, so scaling by
// 2^1074 turns the exact sum into BigInt arithmetic.
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
function scaled(x: number): bigint {
  f64[0] = x;
  const bits = u64[0];
  const sign = bits >> 63n ? -1n : 1n;
  const exp = (bits >> 52n) & 0x7ffn;
  const mant = bits & 0xfffffffffffffn;
  const magnitude = exp === 0n ? mant : (mant | (1n << 52n)) << (exp - 1n);
  return sign * magnitude;
}
function neighbours(x: number): number[] {
  f64[0] = x;
  const bits = u64[0];
  const out: number[] = [];
  for (const b of [bits + 1n, bits - 1n]) {
    if (b < 0n || b >= 1n << 64n) continue;
    u64[0] = b;
    if (Number.isFinite(f64[0])) out.push(f64[0]);
  }
  out.push(-Number.MIN_VALUE, Number.MIN_VALUE);
  return out;
}
const abs = (v: bigint): bigint => (v < 0n ? -v : v);

describe('exact sum', () => {
  it('returns the correctly rounded exact sum (checked against BigInt arithmetic)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e300, max: 1e300, noNaN: true, noDefaultInfinity: true }), { maxLength: 30 }), (xs) => {
        const r = sumOf(xs);
        const exact = xs.reduce((acc, x) => acc + scaled(x), 0n);
        const err = abs(exact - scaled(r));
        // No representable double is nearer to the exact sum.
        for (const other of neighbours(r)) expect(err <= abs(exact - scaled(other))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('does not depend on the order of the values', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e15, max: 1e15, noNaN: true }), { maxLength: 40 }).chain((xs) => fc.tuple(fc.constant(xs), fc.shuffledSubarray(xs, { minLength: xs.length, maxLength: xs.length }))), ([xs, shuffled]) => {
        expect(sumOf(shuffled)).toBe(sumOf(xs));
      }),
      { numRuns: 300 },
    );
  });

  it('equals plain addition for integers, and merging partials equals adding every value', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), { maxLength: 50 }), fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 20 }), (ints, more) => {
        expect(sumOf(ints)).toBe(ints.reduce((a, b) => a + b, 0));
        const pa: number[] = [];
        const pb: number[] = [];
        for (const x of ints) addExact(pa, x);
        for (const x of more) addExact(pb, x);
        mergeExact(pa, pb);
        expect(readExact(pa)).toBe(sumOf([...ints, ...more]));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps what naive addition loses', () => {
    expect(sumOf([1e100, 1, -1e100])).toBe(1);
    expect(sumOf([0.1, 0.2, 0.3])).toBe(0.6);
    expect(sumOf([0.1, 0.2, -0.3])).toBe(2.7755575615628914e-17);
    expect(sumOf([])).toBe(0);
    expect(Object.is(sumOf([-0]), 0)).toBe(true);
  });
});

describe('exact sum on rounding ties (vectors from CPython test_math.testFsum, results of math.fsum)', () => {
  it.each([
    // Halfway cases the last partial pushes past the middle: round away from the even neighbour.
    [[2 ** 53, -0.5, -(2 ** -54)], 2 ** 53 - 1],
    [[2 ** 53, 1, 2 ** -100], 2 ** 53 + 2],
    [[2 ** 53 + 10, 1, 2 ** -100], 2 ** 53 + 12],
    [[2 ** 53 - 4, 0.5, 2 ** -54], 2 ** 53 - 3],
    [[1e16, 1, 1e-16], 10000000000000002],
    [[-(2 ** 53), -1, -(2 ** -100)], -(2 ** 53) - 2],
    [[2 ** 53, -1, -(2 ** -100)], 2 ** 53 - 1],
    // Exact ties: half to even.
    [[2 ** 53, 1], 2 ** 53],
    [[2 ** 53, 3], 2 ** 53 + 4],
    [[2 ** 53 + 2, 1], 2 ** 53 + 4],
    [[1e16 - 2, 1 - 2 ** -53, -(1e16 - 2), -(1 - 2 ** -53)], 0],
    // Just below the middle: the next partial points the other way, so hi stands.
    [[2 ** 53, 1, -(2 ** -100)], 2 ** 53],
    [[-(2 ** 53), -1, 2 ** -100], -(2 ** 53)],
    // The top partial is 0 (cancelled): the sum is read on from the partials below it.
    [[1e16, 1, 1e-16, -1e16], 1],
    [[1e16, -(2 ** -53), 3, -2, -1e16], 1 - 2 ** -53],
    [[-4, -(2 ** -53), 2 ** -100, 1, 3], -1.1102230246251487e-16],
  ])('fsum(%p) = %p', (values, expected) => {
    expect(sumOf(values)).toBe(expected);
    expect(sumOf([...values].reverse())).toBe(expected);
  });

  it('sums 1/n and the alternating series to the values CPython gives', () => {
    expect(sumOf(Array.from({ length: 1000 }, (_, i) => 1 / (i + 1)))).toBe(7.485470860550345);
    expect(sumOf(Array.from({ length: 1000 }, (_, i) => (-1) ** (i + 1) / (i + 1)))).toBe(-0.6926474305598203);
  });

  it('keeps the same partials as the msum recipe of CPython (what math.fsum is built on)', () => {
    const p: number[] = [];
    for (const x of [1e16, 1, 1e-16]) addExact(p, x);
    expect(p).toEqual([1e-16, 1, 1e16]);
    addExact(p, -1e16);
    expect(p).toEqual([1e-16, 1, 0]);
    addExact(p, -1);
    expect(p).toEqual([-1.1022302462515656e-17, 1.1102230246251565e-16]);
    const q: number[] = [];
    addExact(q, 0.5);
    addExact(q, 0.25);
    expect(q).toEqual([0.75]);
  });
});
