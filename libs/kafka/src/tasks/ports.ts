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

/** What a commit writes: the task's outputs (Kafka records by default) and its consumed position. */
export interface CommitRequest<O = TaskOutput> {
  records: O[];
  /** The consumed position to commit with the records (absent: outputs of a timer only). */
  offsets?: { groupId: string; topic: string; partition: number; nextOffset: bigint };
}

/**
 * A task's committer: a transactional producer (created at open, which fences every earlier holder
 * of its id), or for a sink a destination write that stores the offsets with the rows.
 */
export interface TaskProducer<O = TaskOutput> {
  /** Outputs and offsets atomically (one transaction); rejects (after aborting) on any failure, fencing included. */
  commit(request: CommitRequest<O>): Promise<void>;
}

export interface ProducerPort<O = TaskOutput> {
  /** A fresh producer for the id: earlier producers with it are fenced and their open transaction decided. */
  open(transactionalId: string): Promise<TaskProducer<O>>;
  /** Forgets a producer (after a failure or when the task closes). */
  close(transactionalId: string, producer: TaskProducer<O>): Promise<void>;
}

/** Where a task resumes after a (re)join, when it keeps its position itself (a sink's destination). */
export interface ResumePosition {
  /** The next offset to feed: records below it are stored already (undefined: feed what is fetched). */
  committed?: bigint;
  /** Re-read from this earlier offset first: the fetched batch is dropped and the position asked again. */
  rewindTo?: bigint;
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
