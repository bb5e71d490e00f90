import { PartitionedBuffer } from './partitioned-buffer';

describe('PartitionedBuffer', () => {
  it('keeps records per partition with their offset range, bytes and arrival time', () => {
    const buffer = new PartitionedBuffer<string>();
    buffer.add('a', 0, 10, 'a0-10', 5, 100);
    buffer.add('a', 1, 3, 'a1-3', 7, 150);
    buffer.add('a', 0, 12, 'a0-12', 5, 200);
    expect(buffer.stats()).toEqual({ records: 3, bytes: 17, oldestAt: 100 });
    expect(buffer.totals()).toEqual({ records: 3, bytes: 17 });
    const chunks = buffer.take();
    expect(chunks).toEqual([
      { topic: 'a', partition: 0, firstOffset: 10, lastOffset: 12, bytes: 10, oldestAt: 100, items: ['a0-10', 'a0-12'] },
      { topic: 'a', partition: 1, firstOffset: 3, lastOffset: 3, bytes: 7, oldestAt: 150, items: ['a1-3'] },
    ]);
    expect(buffer.size).toBe(0);
    expect(buffer.stats()).toEqual({ records: 0, bytes: 0, oldestAt: null });
  });

  it('refuses an offset that does not move forward', () => {
    const buffer = new PartitionedBuffer<string>();
    buffer.add('a', 0, 10, 'x', 1, 0);
    expect(() => buffer.add('a', 0, 10, 'y', 1, 0)).toThrow(/not after 10/);
  });

  it('pins a partition until its cut: normal flushes leave it, the record at the cut completes it', () => {
    const buffer = new PartitionedBuffer<number>();
    buffer.setCuts('t', 0, [104]);
    for (const offset of [100, 101, 102]) buffer.add('t', 0, offset, offset, 1, 0);
    buffer.add('t', 1, 7, 7, 1, 0);
    expect(buffer.isPinned('t', 0)).toBe(true);
    expect(buffer.stats()).toEqual({ records: 1, bytes: 1, oldestAt: 0 });
    expect(buffer.stats(true).records).toBe(4);
    expect(buffer.take().map((c) => c.partition)).toEqual([1]);
    expect(buffer.endsAtCut('t', 0)).toBe(false);
    expect(buffer.mustCutBefore('t', 0, 104)).toBe(false);
    buffer.add('t', 0, 104, 104, 1, 0);
    expect(buffer.endsAtCut('t', 0)).toBe(true);
    const [chunk] = buffer.take({ topic: 't', partition: 0 });
    expect([chunk.firstOffset, chunk.lastOffset, chunk.items]).toEqual([100, 104, [100, 101, 102, 104]]);
    // The cut is done: later records flush normally.
    buffer.add('t', 0, 105, 105, 1, 0);
    expect(buffer.isPinned('t', 0)).toBe(false);
  });

  it('asks for a flush before a record that would straddle a cut (offsets with gaps, as after transaction markers)', () => {
    const buffer = new PartitionedBuffer<number>();
    buffer.setCuts('t', 0, [49, 60]);
    buffer.add('t', 0, 40, 40, 1, 0);
    buffer.add('t', 0, 45, 45, 1, 0);
    expect(buffer.mustCutBefore('t', 0, 48)).toBe(false);
    expect(buffer.mustCutBefore('t', 0, 50)).toBe(true);
    const [first] = buffer.take({ topic: 't', partition: 0 });
    expect(first.lastOffset).toBe(45);
    buffer.add('t', 0, 50, 50, 1, 0);
    expect(buffer.isPinned('t', 0)).toBe(true);
    expect(buffer.mustCutBefore('t', 0, 61)).toBe(true);
  });

  it('drops everything, cuts included, on clear', () => {
    const buffer = new PartitionedBuffer<number>();
    buffer.setCuts('t', 0, [5]);
    buffer.add('t', 0, 1, 1, 10, 0);
    buffer.clear();
    expect(buffer.size).toBe(0);
    buffer.add('t', 0, 2, 2, 1, 0);
    expect(buffer.isPinned('t', 0)).toBe(false);
  });
});
