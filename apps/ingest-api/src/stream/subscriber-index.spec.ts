import fc from 'fast-check';
import { SubscriberIndex } from './subscriber-index';

interface Sub {
  id: number;
  keyFilter?: string;
}

describe('SubscriberIndex', () => {
  it('hands a record to the unfiltered subscribers and to those filtering on its key, once each', () => {
    const index = new SubscriberIndex<Sub>();
    const all: Sub = { id: 1 };
    const a: Sub = { id: 2, keyFilter: 'a' };
    const b: Sub = { id: 3, keyFilter: 'b' };
    [all, a, b, a].forEach((s) => index.add(s));
    expect(index.size).toBe(3);
    const seen = (key: string | null) => {
      const ids: number[] = [];
      index.forRecord(key, (s) => ids.push(s.id));
      return ids.sort();
    };
    expect(seen('a')).toEqual([1, 2]);
    expect(seen(null)).toEqual([1]);
    index.remove(all);
    expect(index.wants(null)).toBe(false);
    expect(index.wants('zzz')).toBe(false);
    expect(seen('b')).toEqual([3]);
    index.remove(b);
    index.remove(b);
    expect(index.size).toBe(1);
  });

  it('visits exactly the subscribers a linear scan of the filters would, after any joins and leaves', () => {
    const keys = ['k0', 'k1', 'k2'];
    const op = fc.record({ join: fc.boolean(), sub: fc.integer({ min: 0, max: 9 }) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.constantFrom<string | null>(null, ...keys), (ops, recordKey) => {
        const subs: Sub[] = Array.from({ length: 10 }, (_, id) => ({ id, keyFilter: id % 4 === 3 ? undefined : keys[id % 3] }));
        const index = new SubscriberIndex<Sub>();
        const joined = new Set<Sub>();
        for (const { join, sub } of ops) {
          if (join) {
            index.add(subs[sub]);
            joined.add(subs[sub]);
          } else {
            index.remove(subs[sub]);
            joined.delete(subs[sub]);
          }
        }
        const expected = [...joined].filter((s) => s.keyFilter === undefined || s.keyFilter === recordKey).map((s) => s.id).sort();
        const visited: number[] = [];
        index.forRecord(recordKey, (s) => visited.push(s.id));
        expect(visited.sort()).toEqual(expected);
        expect(index.size).toBe(joined.size);
        expect(index.wants(recordKey)).toBe(expected.length > 0);
      }),
      { numRuns: 300 },
    );
  });
});
