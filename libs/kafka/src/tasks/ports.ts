/**
 * The partition-task runtime's view of Kafka: small ports, so the runtime is tested against fakes
 * and kafkajs stays in one adapter (kafkajs-ports.ts).
 */
import type { IHeaders } from 'kafkajs';

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** A fetched record, as kafkajs delivers it. */
export interface TaskRecord {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: string;
  headers?: IHeaders;
}

/** A record a task writes in its transaction. */
export interface TaskOutput {
  topic: string;
  partition?: number;
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, string>;
}

export interface CommitRequest {
  records: TaskOutput[];
  /** The consumed position to commit with the records (absent: outputs of a timer only). */
  offsets?: { groupId: string; topic: string; partition: number; nextOffset: bigint };
}

/** A task's transactional producer: created at open, which fences every earlier holder of its id. */
export interface TaskProducer {
  /** Outputs and offsets in one transaction; rejects (after aborting) on any failure, fencing included. */
  commit(request: CommitRequest): Promise<void>;
}

export interface ProducerPort {
  /** A fresh producer for the id: earlier producers with it are fenced and their open transaction decided. */
  open(transactionalId: string): Promise<TaskProducer>;
  /** Forgets a producer (after a failure or when the task closes). */
  close(transactionalId: string, producer: TaskProducer): Promise<void>;
}

export interface OffsetsPort {
  /** The group's committed offset of a partition, undefined when none is committed. */
  committed(groupId: string, tp: TopicPartition): Promise<bigint | undefined>;
}

/** One fetch of one partition. */
export interface FetchedBatch extends TopicPartition {
  records: TaskRecord[];
  highWatermark: string;
  /** The last offset the fetch covers, transaction markers after the last record included. */
  lastOffset: string;
}

/** What the runtime may do with the consumer while it handles a batch. */
export interface BatchControl {
  seek(offset: bigint): void;
  /** Marks records as consumed, so the next fetch starts after them (does not commit). */
  resolveOffset(offset: string): void;
  heartbeat(): Promise<void>;
  /** False once the consumer stops or the batch went stale (rebalance, seek). */
  isActive(): boolean;
}
