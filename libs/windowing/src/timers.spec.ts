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
