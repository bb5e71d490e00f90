/**
 * Event-time timers: items bucketed by due time, with a binary min-heap over the distinct times.
 * Many windows share an end time (every group's 1-minute window ends on the minute), so a bucket
 * per time keeps the heap small, and firing is O(due items + log distinct times), never a scan
 * of every open window. Items are not removed when they become stale; the owner re-checks them
 * when their bucket comes due.
 */
export class TimerQueue<T> {
  private readonly heap: number[] = [];
  private readonly buckets = new Map<number, T[]>();

  get size(): number {
    return this.heap.length;
  }

  // Consecutive adds usually hit the same bucket (same window end, same dedupe second).
  private lastTime = NaN;
  private lastBucket: T[] | undefined;

  add(time: number, item: T): void {
    if (time === this.lastTime && this.lastBucket !== undefined) {
      this.lastBucket.push(item);
      return;
    }
    const bucket = this.buckets.get(time);
    this.lastTime = time;
    if (bucket) {
      this.lastBucket = bucket;
      bucket.push(item);
      return;
    }
    this.lastBucket = [item];
    this.buckets.set(time, this.lastBucket);
    const heap = this.heap;
    let i = heap.push(time) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent] <= time) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = time;
  }

  /** Earliest due time, or undefined when empty. */
  peek(): number | undefined {
    return this.heap[0];
  }

  /** Removes and returns the earliest bucket if it is due at or before `upTo`. */
  pollDue(upTo: number): { time: number; items: T[] } | undefined {
    const heap = this.heap;
    if (heap.length === 0 || heap[0] > upTo) return undefined;
    const time = heap[0];
    const last = heap.pop() as number;
    if (heap.length > 0) {
      let i = 0;
      const n = heap.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && heap[r] < heap[l] ? r : l;
        if (heap[c] >= last) break;
        heap[i] = heap[c];
        i = c;
      }
      heap[i] = last;
    }
    const items = this.buckets.get(time) as T[];
    this.buckets.delete(time);
    if (time === this.lastTime) this.lastBucket = undefined;
    return { time, items };
  }

  clear(): void {
    this.lastBucket = undefined;
    this.heap.length = 0;
    this.buckets.clear();
  }
}
