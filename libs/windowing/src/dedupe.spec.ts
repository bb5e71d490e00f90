import fc from 'fast-check';
import { DedupeStore } from './dedupe';

describe('DedupeStore', () => {
  it('remembers an id until its expiry bucket has passed, then forgets it', () => {
    const d = new DedupeStore({ bucketMs: 10 });
    expect(d.add('a', 15)).toBe(true);
    expect(d.add('a', 99)).toBe(false); // the first sighting's expiry stands
    expect(d.expiryOf('a')).toBe(15);
    expect(d.expire(15)).toBe(0); // bucket of 15 is 20: never earlier than asked
    expect(d.has('a')).toBe(true);
    const gone: string[] = [];
    expect(d.expire(20, (id) => gone.push(id))).toBe(1);
    expect(gone).toEqual(['a']);
    expect(d.has('a')).toBe(false);
    expect(d.add('a', 30)).toBe(true);
    expect(d.size).toBe(1);
  });

  it('after expire(now) holds exactly the ids whose bucket lies beyond now', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), fc.integer({ min: 0, max: 100 })), { maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 120 }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 20 }),
        (adds, nows, bucket) => {
          const d = new DedupeStore({ bucketMs: bucket });
          // Model: id -> expiry of its first sighting since it was last forgotten.
          const model = new Map<string, number>();
          let now = -1;
          const steps = adds.map((a, i) => ({ a, now: nows[i] }));
          for (const { a, now: n } of steps) {
            const [id, exp] = a;
            expect(d.add(id, exp)).toBe(!model.has(id));
            if (!model.has(id)) model.set(id, exp);
            if (n !== undefined && n > now) {
              now = n;
              d.expire(now);
              for (const [k, e] of model) if (Math.ceil(e / bucket) * bucket <= now) model.delete(k);
            }
            expect(new Map(d.entries())).toEqual(model);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
  it('expires by buckets of 1000 by default, and refuses a bucket that is not a positive finite number', () => {
    expect(new DedupeStore().bucket).toBe(1000);
    expect(new DedupeStore({ bucketMs: 0.5 }).bucket).toBe(0.5);
    for (const bucketMs of [0, -1000, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => new DedupeStore({ bucketMs })).toThrow('bucketMs must be > 0');
    const d = new DedupeStore();
    d.add('a', 1001);
    expect(d.expire(1999)).toBe(0);
    expect(d.expire(2000)).toBe(1);
  });

  it('clear forgets every id and every pending expiry', () => {
    const d = new DedupeStore({ bucketMs: 10 });
    d.add('a', 5);
    d.add('b', 25);
    d.clear();
    expect(d.size).toBe(0);
    expect(d.has('a')).toBe(false);
    expect([...d.entries()]).toEqual([]);
    const expired: string[] = [];
    expect(d.expire(100, (id) => expired.push(id))).toBe(0);
    expect(expired).toEqual([]);
    // An id added again after clear expires by its new expiry only.
    d.add('a', 45);
    expect(d.expire(40)).toBe(0);
    expect(d.expire(50)).toBe(1);
  });
});
