/**
 * One destination's consumer: its own consumer group (so a slow destination never holds back the
 * other), read committed, auto-commit off, whose partitions are SinkTasks run by the partition-task
 * runtime (@platform/kafka's TaskManager) — the same lifecycle as the processor's stages. The flush
 * policy maps onto the runtime's commit triggers: maxRecords is the size bound, maxAgeMs the
 * interval (and the age a task punctuates on), maxBytes and the lake's cuts are the task's own.
 */
import { Consumer, Kafka } from 'kafkajs';
import { createConsumer, runTaskConsumer, TaskManager, TopicPartition } from '@platform/kafka';
import { Logger } from '@platform/runtime';
import { FlushPolicy } from '../buffer/flush-policy';
import { RecordDecoder } from '../decoding/record-decoder';
import { DlqPublisher } from '../delivery/dlq-publisher';
import { Destination, partitionKey } from '../destinations/destination';
import { sinkMetrics } from '../metrics';
import { DestinationCommitter } from './destination-committer';
import { SinkChunk, SinkTask } from './sink-task';

export interface DestinationStageOptions {
  kafka: Kafka;
  topics: string[];
  destination: Destination;
  decoder: RecordDecoder;
  dlq: DlqPublisher;
  /** Whether this destination dead-letters undecodable records (one destination does, so each lands once). */
  reportsDecodeFailures: boolean;
  policy: FlushPolicy;
  retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
  sessionTimeoutMs: number;
  logger: Logger;
  /** Called when the destination cannot continue safely (the process should restart and replay). */
  onFatal: (error: Error) => void;
}

export class DestinationStage {
  private consumer?: Consumer;
  private readonly committer: DestinationCommitter;
  readonly manager: TaskManager<SinkTask, SinkChunk>;
  private assigned = new Set<string>();
  private joined = false;
  private failed = false;
  private stopping = false;
  private stopRequested?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private readonly name: string;

  constructor(private readonly options: DestinationStageOptions) {
    const { destination, decoder, policy, logger } = options;
    this.name = destination.name;
    this.committer = new DestinationCommitter({
      ...options,
      commitOffsets: (offsets) => this.consumer!.commitOffsets(offsets),
      owns: (tp) => this.assigned.has(partitionKey(tp.topic, tp.partition)),
      isStopping: () => this.stopping,
      onFatal: (error) => this.fatal(error),
    });
    const onRewind = ({ topic, partition }: TopicPartition, offset: number) =>
      logger.warn(
        { destination: this.name, topic, partition, offset },
        'resuming inside an unfinished batch: re-reading it from its first offset',
      );
    this.manager = new TaskManager<SinkTask, SinkChunk>({
      groupId: destination.groupId,
      factory: {
        transactionalId: (tp) => `${destination.groupId}-${tp.topic}-${tp.partition}`,
        open: async (tp) => new SinkTask(tp, { destination, decoder, policy, onRewind }),
      },
      producers: this.committer,
      commitIntervalMs: policy.maxAgeMs,
      maxUncommittedRecords: policy.maxRecords,
      commitWhenCaughtUp: false,
      observer: {
        onBatch: ({ topic, partition }, lag) =>
          sinkMetrics.lag.set({ destination: this.name, topic, partition: String(partition) }, Number(lag)),
        onWarning: (message, details) => logger.warn({ destination: this.name, ...details }, message),
      },
    });
  }

  get groupId(): string {
    return this.options.destination.groupId;
  }

  async start(): Promise<void> {
    const { kafka, destination, topics, sessionTimeoutMs, logger } = this.options;
    await destination.start();
    const consumer = createConsumer(kafka, destination.groupId, {
      sessionTimeout: sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(sessionTimeoutMs / 10)),
      rebalanceTimeout: Math.max(sessionTimeoutMs, 10_000),
      maxWaitTimeInMs: 250,
      retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    this.consumer = consumer;
    // Ownership as of the latest join: a required offset commit is retried only while the partition is ours.
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.joined = true;
      this.assigned = new Set(Object.entries(payload.memberAssignment).flatMap(([topic, ps]) => ps.map((p) => partitionKey(topic, p))));
      logger.info({ destination: this.name, group: this.groupId, partitions: this.assigned.size }, 'partitions assigned');
    });
    await runTaskConsumer(consumer, this.manager, { topics, concurrency: 1, onFatal: (error) => !this.stopping && this.fatal(error) });
    const tickMs = Math.max(50, Math.min(1000, Math.floor(this.options.policy.maxAgeMs / 4)));
    this.timer = setInterval(() => void this.tick(), tickMs);
    this.timer.unref();
  }

  /** Ready for traffic: joined its group, not failed, and the destination not failing for over a minute. */
  healthy(): boolean {
    if (this.failed || !this.joined) return false;
    const since = this.committer.transientSince;
    return since === null || Date.now() - since < 60_000;
  }

  /** Writes and commits what every task buffered now (a lake batch being replayed only at its cut). */
  flush(): Promise<void> {
    return this.manager.commitAll();
  }

  /**
   * Stops consuming, flushes and commits what was buffered (when `flush`), leaves the group. Retries
   * of an unavailable destination are abandoned after `timeoutMs`; those records are read again later.
   */
  stop(flush = true, timeoutMs = 30_000): Promise<void> {
    this.stopRequested ??= (async () => {
      const abort = setTimeout(() => (this.stopping = true), timeoutMs);
      abort.unref();
      clearInterval(this.timer);
      if (!flush) this.stopping = true;
      this.pause();
      // Before leaving the group: the lake's offsets must be committed by this member.
      await this.manager.closeAll(flush && !this.failed);
      this.stopping = true;
      await this.consumer?.disconnect().catch(() => undefined);
      await this.options.destination
        .close()
        .catch((error) => this.options.logger.warn({ err: error, destination: this.name }, 'closing the destination failed'));
      clearTimeout(abort);
    })();
    return this.stopRequested;
  }

  isStopping(): boolean {
    return this.stopping;
  }

  private async tick(): Promise<void> {
    let records = 0;
    let oldestAt: number | null = null;
    for (const tp of this.manager.openTasks()) {
      const buffered = this.manager.taskOf(tp)?.buffered();
      if (!buffered) continue;
      records += buffered.records;
      if (buffered.oldestAt !== null && (oldestAt === null || buffered.oldestAt < oldestAt)) oldestAt = buffered.oldestAt;
    }
    sinkMetrics.buffered.set({ destination: this.name }, records);
    sinkMetrics.oldestUnflushed.set({ destination: this.name }, oldestAt === null ? 0 : (Date.now() - oldestAt) / 1000);
    if (!this.failed && !this.stopRequested) await this.manager.tick();
  }

  private pause(): void {
    try {
      this.consumer?.pause(this.options.topics.map((topic) => ({ topic })));
    } catch {
      // Not running yet (a failed start): nothing is fetched anyway.
    }
  }

  private fatal(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    // The failed records are neither written nor committed: nothing after them may be taken.
    this.pause();
    this.options.logger.error(
      { destination: this.name, err: error },
      'destination cannot continue safely; stopping so a restart replays from the stored positions',
    );
    this.options.onFatal(error);
  }
}
