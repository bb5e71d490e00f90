/**
 * Exact floating-point summation (Shewchuk's algorithm, as in Python's math.fsum).
 *
 * A window's sum is kept as a short list of non-overlapping partials whose exact total is the true
 * sum of every value added. Rounding happens once, when the sum is read, so the result is the
 * correctly rounded sum and does not depend on the order the events arrived in. That keeps
 * results identical across out-of-order replays. The list usually holds one or two numbers.
 * Inputs must be finite and their sum must not overflow.
 */

/** Adds x to the partials in place. */
export function addExact(partials: number[], x: number): void {
  let i = 0;
  const n = partials.length;
  for (let j = 0; j < n; j++) {
    let y = partials[j];
    if (Math.abs(x) < Math.abs(y)) {
      const t = x;
      x = y;
      y = t;
    }
    const hi = x + y;
    const lo = y - (hi - x);
    if (lo !== 0) partials[i++] = lo;
    x = hi;
  }
  // partials[i:] = [x], avoiding the length setter in the usual case (one partial in, one out).
  if (i < n) {
    partials[i] = x;
    if (i + 1 < n) partials.length = i + 1;
  } else {
    partials.push(x);
  }
}

/** Adds every partial of `from` into `into` (exact, so merging sessions loses nothing). */
export function mergeExact(into: number[], from: readonly number[]): void {
  for (const x of from) addExact(into, x);
}

/** The correctly rounded value of the partials' exact sum. */
export function readExact(partials: readonly number[]): number {
  let n = partials.length;
  if (n === 0) return 0;
  let hi = partials[--n];
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = partials[--n];
    hi = x + y;
    const yr = hi - x;
    lo = y - yr;
    if (lo !== 0) break;
  }
  // Round half to even across partials: if the remainder and the next partial point the same way,
  // the exact sum lies past the halfway point that hi was rounded from.
  if (n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0))) {
    const y = lo * 2;
    const x = hi + y;
    const yr = x - hi;
    if (y === yr) hi = x;
  }
  // Normalise -0 so JSON round trips (which turn -0 into 0) cannot change a result.
  return hi === 0 ? 0 : hi;
}
