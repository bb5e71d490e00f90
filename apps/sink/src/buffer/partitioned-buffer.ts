/**
 * The records a destination has consumed but not yet flushed, kept per topic-partition in offset
 * order, with running totals for the flush policy. A partition can be pinned (its records stay until
 * a forced flush at a given offset, see the lake's write-ahead intent). Pure: no I/O, no timers.
 */
import { BufferStats } from './flush-policy';

export interface BufferedChunk<T> {
  topic: string;
  partition: number;
  firstOffset: number;
  lastOffset: number;
  bytes: number;
  oldestAt: number;
  items: T[];
}

interface PartitionEntry<T> extends BufferedChunk<T> {
  /** Offsets after which the partition must be cut, ascending; while one lies ahead, normal flushes skip it. */
  cuts: number[];
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export class PartitionedBuffer<T> {
  private readonly parts = new Map<string, PartitionEntry<T>>();
  private readonly cutsByKey = new Map<string, number[]>();
  private totalRecords = 0;
  private totalBytes = 0;

  /** Appends a record; offsets must increase within a partition. */
  add(topic: string, partition: number, offset: number, item: T, bytes: number, now: number): void {
    const key = partitionKey(topic, partition);
    let entry = this.parts.get(key);
    if (!entry) {
      entry = { topic, partition, firstOffset: offset, lastOffset: offset, bytes: 0, oldestAt: now, items: [], cuts: this.cutsByKey.get(key) ?? [] };
      this.parts.set(key, entry);
    } else if (offset <= entry.lastOffset) {
      throw new Error(`offset ${offset} of ${topic}/${partition} is not after ${entry.lastOffset}`);
    }
    entry.items.push(item);
    entry.lastOffset = offset;
    entry.bytes += bytes;
    this.totalRecords++;
    this.totalBytes += bytes;
  }

  /** Records and bytes over every partition, pinned or not (O(1), for a cheap check per record). */
  totals(): { records: number; bytes: number } {
    return { records: this.totalRecords, bytes: this.totalBytes };
  }

  /** Requires the partition's records to be flushed in batches that end exactly at each of `offsets`. */
  setCuts(topic: string, partition: number, offsets: number[]): void {
    const key = partitionKey(topic, partition);
    const cuts = [...new Set(offsets)].sort((a, b) => a - b);
    this.cutsByKey.set(key, cuts);
    const entry = this.parts.get(key);
    if (entry) entry.cuts = cuts;
  }

  /**
   * Whether the partition's buffered records must be flushed before a record at `nextOffset` joins
   * them: some cut lies between what is buffered and that record.
   */
  mustCutBefore(topic: string, partition: number, nextOffset: number): boolean {
    const entry = this.parts.get(partitionKey(topic, partition));
    if (!entry || entry.items.length === 0) return false;
    return entry.cuts.some((c) => c >= entry.firstOffset && c < nextOffset);
  }

  /** Whether the buffered records end exactly at a cut (so they form a complete forced batch). */
  endsAtCut(topic: string, partition: number): boolean {
    const entry = this.parts.get(partitionKey(topic, partition));
    return !!entry && entry.items.length > 0 && entry.cuts.includes(entry.lastOffset);
  }

  /** A partition is pinned while a cut lies at or after its first buffered offset. */
  isPinned(topic: string, partition: number): boolean {
    const entry = this.parts.get(partitionKey(topic, partition));
    return !!entry && entry.items.length > 0 && entry.cuts.some((c) => c >= entry.firstOffset);
  }

  /** Totals over the partitions a normal flush may take (pinned ones excluded unless asked). */
  stats(includePinned = false): BufferStats {
    let records = 0;
    let bytes = 0;
    let oldestAt: number | null = null;
    for (const entry of this.parts.values()) {
      if (!includePinned && this.isPinned(entry.topic, entry.partition)) continue;
      records += entry.items.length;
      bytes += entry.bytes;
      if (oldestAt === null || entry.oldestAt < oldestAt) oldestAt = entry.oldestAt;
    }
    return { records, bytes, oldestAt };
  }

  /** Removes and returns the unpinned partitions' records (or exactly the given partition's). */
  take(only?: { topic: string; partition: number }): BufferedChunk<T>[] {
    const taken: BufferedChunk<T>[] = [];
    for (const [key, entry] of this.parts) {
      if (only) {
        if (entry.topic !== only.topic || entry.partition !== only.partition) continue;
      } else if (this.isPinned(entry.topic, entry.partition)) {
        continue;
      }
      this.parts.delete(key);
      this.totalRecords -= entry.items.length;
      this.totalBytes -= entry.bytes;
      // Cuts at or before what was taken are done.
      const remaining = entry.cuts.filter((c) => c > entry.lastOffset);
      if (remaining.length > 0) this.cutsByKey.set(key, remaining);
      else this.cutsByKey.delete(key);
      const { cuts: _cuts, ...chunk } = entry;
      taken.push(chunk);
    }
    return taken;
  }

  /** Drops everything (after a rebalance the consumer re-reads from the committed positions). */
  clear(): void {
    this.parts.clear();
    this.cutsByKey.clear();
    this.totalRecords = 0;
    this.totalBytes = 0;
  }

  get size(): number {
    return this.totalRecords;
  }
}
