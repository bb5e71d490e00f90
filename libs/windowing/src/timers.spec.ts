import fc from 'fast-check';
import { TimerQueue } from './timers';

describe('TimerQueue', () => {
  it('hands back every item exactly once, in time order, only when due', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.nat()), { maxLength: 80 }), fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 10 }), (adds, polls) => {
        const q = new TimerQueue<number>();
        adds.forEach(([t], i) => q.add(t, i));
        const seen: number[] = [];
        let lastTime = -Infinity;
        for (const upTo of [...polls].sort((a, b) => a - b).concat([60])) {
          for (let due = q.pollDue(upTo); due; due = q.pollDue(upTo)) {
            expect(due.time).toBeLessThanOrEqual(upTo);
            expect(due.time).toBeGreaterThan(lastTime);
            lastTime = due.time;
            for (const i of due.items) {
              expect(adds[i][0]).toBe(due.time);
              seen.push(i);
            }
          }
          if (q.size > 0) expect(q.peek()!).toBeGreaterThan(upTo);
        }
        expect(seen.sort((a, b) => a - b)).toEqual(adds.map((_, i) => i));
      }),
      { numRuns: 300 },
    );
  });
});

describe('TimerQueue (literal sequences)', () => {
  it('hands back a bucket in insertion order, and takes a new bucket for a time already polled', () => {
    const q = new TimerQueue<string>();
    q.add(30, 'a');
    q.add(10, 'b');
    q.add(30, 'c');
    q.add(20, 'd');
    q.add(10, 'e');
    expect([q.size, q.peek()]).toEqual([3, 10]);
    expect(q.pollDue(9)).toBeUndefined();
    expect(q.pollDue(10)).toEqual({ time: 10, items: ['b', 'e'] });
    q.add(10, 'f');
    expect(q.pollDue(30)).toEqual({ time: 10, items: ['f'] });
    expect(q.pollDue(30)).toEqual({ time: 20, items: ['d'] });
    expect(q.pollDue(30)).toEqual({ time: 30, items: ['a', 'c'] });
    expect(q.pollDue(30)).toBeUndefined();
    expect([q.size, q.peek()]).toEqual([0, undefined]);
  });

  it('keeps the heap ordered through removals that move the last time down either branch', () => {
    const q = new TimerQueue<number>();
    for (const t of [50, 10, 40, 20, 30, 60, 5, 45, 15]) q.add(t, t);
    const order: number[] = [];
    for (let due = q.pollDue(100); due; due = q.pollDue(100)) order.push(...due.items);
    expect(order).toEqual([5, 10, 15, 20, 30, 40, 45, 50, 60]);
  });

  it('forgets everything on clear, including the bucket of the last add', () => {
    const q = new TimerQueue<string>();
    q.add(7, 'old');
    q.clear();
    expect([q.size, q.peek(), q.pollDue(100)]).toEqual([0, undefined, undefined]);
    q.add(7, 'new');
    expect(q.pollDue(7)).toEqual({ time: 7, items: ['new'] });
  });
});
