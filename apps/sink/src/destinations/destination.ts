/** What the consumer loop needs from a destination (warehouse or lake). */
import { TableName } from '@platform/warehouse';
import { DecodedRecord } from '../decoding/record-decoder';
import { DeliveryOptions } from '../delivery/deliver';

/** One partition's consecutive records, written as one batch. */
export interface BufferedChunk<T> {
  topic: string;
  partition: number;
  firstOffset: number;
  lastOffset: number;
  bytes: number;
  oldestAt: number;
  items: T[];
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** One consumed Kafka record with its decoded content. */
export interface SinkRecord {
  topic: string;
  partition: number;
  offset: number;
  /** Kafka record timestamp (ms). */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  bytes: number;
  decoded: DecodedRecord;
}

export interface FlushOutcome {
  /** Records that could not be written after retries (or could not be mapped): they go to the DLQ. */
  failed: Array<{ record: SinkRecord; error: Error; attempts: number }>;
  rows: Partial<Record<TableName, number>>;
  objects: number;
  bytes: number;
}

/** Where to start reading a partition after it is assigned. */
export interface PartitionPosition {
  /** Skip records below this offset (they are already stored). */
  floor?: number;
  /** Flush this partition's batches so they end exactly at these offsets (lake recovery). */
  cuts?: number[];
  /** Re-read from this offset before anything else (lake recovery from inside a recorded batch). */
  seekTo?: number;
}

export type DeliverySettings = Omit<DeliveryOptions, 'isTransient' | 'split'>;

export interface Destination {
  readonly name: 'warehouse' | 'lake';
  readonly groupId: string;
  /** True when the Kafka commit after a flush must succeed before the partition flushes again. */
  readonly commitRequired: boolean;
  start(): Promise<void>;
  /** Where a partition resumes, asked before its first records after each (re)assignment are buffered. */
  position(topic: string, partition: number, firstDeliveredOffset: number): Promise<PartitionPosition>;
  /** Writes the chunks (retrying as `delivery` says) and, where it can, stores their offsets with them. */
  write(chunks: BufferedChunk<SinkRecord>[], delivery: DeliverySettings): Promise<FlushOutcome>;
  describe(): string;
  close(): Promise<void>;
}

export function isPoison(record: SinkRecord): boolean {
  return record.decoded.kind === 'poison';
}
