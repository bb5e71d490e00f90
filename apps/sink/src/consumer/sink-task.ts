/**
 * One input partition of one destination, as a task of the partition-task runtime (@platform/kafka's
 * TaskManager): it decodes the records it is fed into one buffered chunk, which the destination
 * committer writes at the next commit. It resumes where the destination says (the offsets the
 * warehouse stored with its rows; for the lake, the write-ahead intent of a possibly unfinished
 * batch, which is replayed with exactly its first and last offsets so it rewrites the same objects).
 */
import { headersToStrings, ResumePosition, StreamTask, TaskRecord, TopicPartition } from '@platform/kafka';
import { FlushPolicy, flushReason, FlushReason } from '../buffer/flush-policy';
import { RecordDecoder } from '../decoding/record-decoder';
import { BufferedChunk, Destination, SinkRecord } from '../destinations/destination';
import { sinkMetrics } from '../metrics';

/** What one commit of a sink task writes, with what triggered it (for the flush metrics). */
export interface SinkChunk extends BufferedChunk<SinkRecord> {
  reason: FlushReason | 'cut' | 'requested';
}

export interface SinkTaskDeps {
  destination: Destination;
  decoder: RecordDecoder;
  policy: FlushPolicy;
  /** Called when the partition resumes inside an unfinished batch and is read again from its start. */
  onRewind?: (tp: TopicPartition, offset: number) => void;
  now?: () => number;
}

export class SinkTask implements StreamTask<SinkChunk> {
  private items: SinkRecord[] = [];
  private bytes = 0;
  private oldestAt = 0;
  /** Offsets the task's chunks must end at, ascending (replaying an unfinished lake batch). */
  private cuts: number[] = [];
  private readonly now: () => number;

  constructor(
    readonly tp: TopicPartition,
    private readonly deps: SinkTaskDeps,
  ) {
    this.now = deps.now ?? Date.now;
  }

  async resume(firstFetched: bigint): Promise<ResumePosition> {
    // What is buffered was not written: the consumer reads it again from the resumed position.
    this.drop();
    const { topic, partition } = this.tp;
    const position = await this.deps.destination.position(topic, partition, Number(firstFetched));
    this.cuts = [...new Set(position.cuts ?? [])].sort((a, b) => a - b);
    if (position.seekTo !== undefined) {
      this.deps.onRewind?.(this.tp, position.seekTo);
      return { rewindTo: BigInt(position.seekTo) };
    }
    return { committed: position.floor === undefined ? undefined : BigInt(position.floor) };
  }

  async process(records: TaskRecord[]): Promise<void> {
    const { topic, partition } = this.tp;
    for (const message of records) {
      const value = message.value ?? null;
      const decoded = await this.deps.decoder.decode(topic, value);
      const bytes = (value?.length ?? 0) + (message.key?.length ?? 0);
      const headers = headersToStrings(message.headers as Record<string, unknown>);
      if (this.items.length === 0) this.oldestAt = this.now();
      this.items.push({ topic, partition, offset: Number(message.offset), timestamp: Number(message.timestamp), key: message.key ?? null, value, headers, bytes, decoded });
      this.bytes += bytes;
    }
    sinkMetrics.consumed.inc({ destination: this.deps.destination.name, topic }, records.length);
  }

  /** The next cut at or after what is buffered (or, when empty, the next record); passed cuts are dropped. */
  commitBoundary(nextOffset: bigint): bigint | undefined {
    const from = this.items.length > 0 ? this.items[0].offset : Number(nextOffset);
    while (this.cuts.length > 0 && this.cuts[0] < from) this.cuts.shift();
    return this.cuts.length > 0 ? BigInt(this.cuts[0]) : undefined;
  }

  /** The flush policy: count, bytes or age of the oldest buffered record. */
  wantsCommit(now: number): boolean {
    return this.dueReason(now) !== null;
  }

  punctuate(now: number): boolean {
    return this.wantsCommit(now);
  }

  prepareCommit(): SinkChunk[] {
    if (this.items.length === 0) return [];
    const { topic, partition } = this.tp;
    const lastOffset = this.items[this.items.length - 1].offset;
    const reason = this.cuts.length > 0 && this.cuts[0] <= lastOffset ? 'cut' : (this.dueReason(this.now()) ?? 'requested');
    const chunk: SinkChunk = { topic, partition, firstOffset: this.items[0].offset, lastOffset, bytes: this.bytes, oldestAt: this.oldestAt, items: this.items, reason };
    this.drop();
    return [chunk];
  }

  close(): void {
    this.drop();
  }

  /** Buffered records and when the oldest arrived (null when none), for the sink's gauges. */
  buffered(): { records: number; oldestAt: number | null } {
    return { records: this.items.length, oldestAt: this.items.length > 0 ? this.oldestAt : null };
  }

  private dueReason(now: number): FlushReason | null {
    return flushReason({ records: this.items.length, bytes: this.bytes, oldestAt: this.items.length > 0 ? this.oldestAt : null }, now, this.deps.policy);
  }

  private drop(): void {
    this.items = [];
    this.bytes = 0;
  }
}
