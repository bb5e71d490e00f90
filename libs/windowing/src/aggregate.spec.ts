import { Aggregate, numericValue } from './aggregate';

describe('Aggregate', () => {
  it('starts empty: no count, no values, no users, null sum/avg/min/max', () => {
    const a = new Aggregate();
    expect([a.count, a.valueCount, a.distinctUsers, a.sum(), a.avg(), a.min, a.max]).toEqual([0, 0, 0, null, null, null, null]);
    expect(a.fields()).toEqual({ count: 0, valueCount: 0, sum: [], min: null, max: null, firstEventTime: 0, lastEventTime: 0 });
  });

  it('counts every event, but only numeric values feed sum, avg, min and max', () => {
    const a = new Aggregate();
    a.add(500, 4, undefined);
    a.add(300, undefined, undefined);
    a.add(700, -2, undefined);
    a.add(600, 7, undefined);
    expect(a.count).toBe(4);
    expect(a.valueCount).toBe(3);
    expect(a.sum()).toBe(9); // 4 - 2 + 7
    expect(a.avg()).toBe(3); // 9 / 3 values, not / 4 events
    expect(a.min).toBe(-2);
    expect(a.max).toBe(7);
    expect(a.firstEventTime).toBe(300);
    expect(a.lastEventTime).toBe(700);
  });

  it('takes the first event time as both bounds, also when it is negative (pre-1970)', () => {
    const a = new Aggregate();
    a.add(-5000, undefined, undefined);
    expect([a.firstEventTime, a.lastEventTime]).toEqual([-5000, -5000]);
    a.add(-6000, undefined, undefined);
    a.add(-5500, undefined, undefined);
    expect([a.firstEventTime, a.lastEventTime]).toEqual([-6000, -5000]);
  });

  it('keeps min and max when a later value equals them or lies between', () => {
    const a = new Aggregate();
    a.add(1, 5, undefined);
    a.add(2, 5, undefined);
    a.add(3, 1, undefined);
    a.add(4, 3, undefined);
    expect([a.min, a.max]).toEqual([1, 5]);
    const b = new Aggregate();
    b.add(1, -1, undefined); // first value below 0: min and max both start from it
    expect([b.min, b.max]).toEqual([-1, -1]);
  });

  it('reports a user as new only on its first sighting in the window', () => {
    const a = new Aggregate();
    expect(a.add(1, undefined, undefined)).toBe(false);
    expect(a.users).toBeNull();
    expect(a.add(2, undefined, 'u1')).toBe(true);
    expect(a.add(3, undefined, 'u1')).toBe(false);
    expect(a.add(4, undefined, 'u2')).toBe(true);
    expect(a.distinctUsers).toBe(2);
    expect([...(a.users ?? [])]).toEqual(['u1', 'u2']);
  });

  it('merges another aggregate: counts add, sums stay exact, extremes and time bounds widen', () => {
    const a = new Aggregate();
    a.add(1000, 1e100, undefined);
    a.add(2000, undefined, undefined);
    const b = new Aggregate();
    b.add(500, 1, undefined);
    b.add(3000, -1e100, undefined);
    a.mergeNumbers(b);
    expect(a.count).toBe(4);
    expect(a.valueCount).toBe(3);
    expect(a.sum()).toBe(1); // 1e100 + 1 - 1e100, exactly
    expect(a.avg()).toBe(1 / 3);
    expect([a.min, a.max]).toEqual([-1e100, 1e100]);
    expect([a.firstEventTime, a.lastEventTime]).toEqual([500, 3000]);
  });

  it('merging into an empty aggregate takes the other one whole, and merging an empty one changes nothing', () => {
    const target = new Aggregate();
    const other = new Aggregate();
    other.add(4000, 2, undefined);
    other.add(4500, 6, undefined);
    target.mergeNumbers(other);
    expect(target.fields()).toEqual({ count: 2, valueCount: 2, sum: [8], min: 2, max: 6, firstEventTime: 4000, lastEventTime: 4500 });
    target.mergeNumbers(new Aggregate());
    expect(target.fields()).toEqual({ count: 2, valueCount: 2, sum: [8], min: 2, max: 6, firstEventTime: 4000, lastEventTime: 4500 });
  });

  it('merging keeps this side when the other side lies inside it, or has no values', () => {
    const a = new Aggregate();
    a.add(100, -3, undefined);
    a.add(900, 9, undefined);
    const inside = new Aggregate();
    inside.add(200, 0, undefined);
    inside.add(800, 4, undefined);
    a.mergeNumbers(inside);
    expect([a.min, a.max, a.firstEventTime, a.lastEventTime]).toEqual([-3, 9, 100, 900]);
    const valueless = new Aggregate();
    valueless.add(50, undefined, undefined);
    a.mergeNumbers(valueless);
    expect([a.count, a.valueCount, a.min, a.max, a.firstEventTime, a.lastEventTime]).toEqual([5, 4, -3, 9, 50, 900]);
    const empty = new Aggregate();
    empty.mergeNumbers(valueless);
    expect([empty.count, empty.min, empty.max, empty.sum()]).toEqual([1, null, null, null]);
  });

  it('round-trips through its persisted fields, with copies of the partials', () => {
    const a = new Aggregate();
    a.add(10, 0.1, undefined);
    a.add(20, 0.2, undefined);
    const f = a.fields();
    expect(f).toEqual({ count: 2, valueCount: 2, sum: a.partials, min: 0.1, max: 0.2, firstEventTime: 10, lastEventTime: 20 });
    f.sum.push(1000);
    expect(a.sum()).toBe(0.30000000000000004); // correctly rounded 0.1 + 0.2, unaffected by the copy
    const b = new Aggregate();
    b.loadFields(f);
    expect(b.fields()).toEqual(f);
    f.sum.push(5);
    expect(b.partials).not.toContain(5);
  });
});

describe('numericValue', () => {
  it('accepts finite numbers only, and turns -0 into 0', () => {
    expect(numericValue(2.5)).toBe(2.5);
    expect(numericValue(-7)).toBe(-7);
    expect(Object.is(numericValue(-0), 0)).toBe(true);
    expect(numericValue(Number.NaN)).toBeUndefined();
    expect(numericValue(Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(numericValue('3')).toBeUndefined();
    expect(numericValue(null)).toBeUndefined();
    expect(numericValue(undefined)).toBeUndefined();
  });
});
