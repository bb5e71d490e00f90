/**
 * A sink task's commit: write its chunk to the destination (which stores the offsets with the rows
 * where it can), dead-letter what cannot be written, and only then commit the Kafka offsets — best
 * effort for the warehouse (its stored offsets are the position), required for the lake and for a
 * warehouse that stores none. A required commit that cannot be made (the member left the group, or
 * retries ran out) fails the task, not the process: the consumer goes back to the committed offset
 * and the replay is idempotent (the lake's intent rebuilds the same batch, Snowflake merges by key);
 * a partition that moved is the new owner's to replay.
 * There is no fencing to do: replays are idempotent at the destination, so one committer serves
 * every task of a destination, one commit at a time (a destination holds one connection, and one
 * writer per table keeps schema changes and upserts ordered).
 */
import { CommitRequest, hasKafkaErrorType, ProducerPort, TaskProducer, TopicPartition } from '@platform/kafka';
import { Logger, withRetry } from '@platform/runtime';
import { SinkStoppedError } from '../delivery/deliver';
import { DeadLetter, DlqPublisher } from '../delivery/dlq-publisher';
import { DeliverySettings, Destination, SinkRecord } from '../destinations/destination';
import { sinkMetrics } from '../metrics';
import { SinkChunk } from './sink-task';

/** The chunk is written but its Kafka offsets are not committed: the task must replay from the committed offset. */
export class OffsetsNotCommittedError extends Error {
  constructor(override readonly cause: unknown) {
    super(`Kafka offsets not committed after the write: ${(cause as Error)?.message ?? cause}`);
  }
}

/** Errors that say this member's generation is over: retrying inside the batch cannot succeed. */
const LEFT_GROUP = new Set(['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS']);
const leftGroup = (error: unknown) => hasKafkaErrorType(error, LEFT_GROUP);
/**
 * kafkajs commits to the group coordinator it found when it joined and does not look it up again
 * when that node stops being the coordinator (a node killed or restarted): its commits then fail
 * with NOT_COORDINATOR until the consumer is rebuilt.
 */
const staleCoordinator = (error: unknown) => hasKafkaErrorType(error, ['NOT_COORDINATOR_FOR_GROUP']);

export interface CommitterOptions {
  destination: Destination;
  dlq: DlqPublisher;
  /** Whether this destination dead-letters undecodable records (one destination does, so each lands once). */
  reportsDecodeFailures: boolean;
  retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
  logger: Logger;
  commitOffsets(offsets: Array<{ topic: string; partition: number; offset: string }>): Promise<void>;
  /** Whether this member still owns the partition (a lost one is the new owner's to replay). */
  owns(tp: TopicPartition): boolean;
  isStopping(): boolean;
  /** A write or required commit failed for good: the records are neither stored nor committed. */
  onFatal(error: Error): void;
}

export class DestinationCommitter implements ProducerPort<SinkChunk>, TaskProducer<SinkChunk> {
  /** Since when the destination has been failing transiently (null: not failing). */
  transientSince: number | null = null;
  private readonly name: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: CommitterOptions) {
    this.name = options.destination.name;
  }

  async open(): Promise<TaskProducer<SinkChunk>> {
    return this;
  }

  async close(): Promise<void> {}

  commit(request: CommitRequest<SinkChunk>): Promise<void> {
    const run = this.queue.then(() => this.commitNow(request));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async commitNow({ records: chunks, offsets }: CommitRequest<SinkChunk>): Promise<void> {
    const started = process.hrtime.bigint();
    try {
      if (chunks.length > 0) await this.write(chunks);
      if (offsets) await this.commitOffsets({ topic: offsets.topic, partition: offsets.partition }, offsets.nextOffset);
    } catch (error) {
      if (error instanceof SinkStoppedError || error instanceof OffsetsNotCommittedError) {
        const message = error instanceof SinkStoppedError ? 'stopped before the flush completed' : 'offsets not committed after the write';
        this.options.logger.warn(
          { destination: this.name, err: error, records: chunks.reduce((n, c) => n + c.items.length, 0) },
          `${message}; its records will be read again`,
        );
      } else {
        this.options.onFatal(error as Error);
      }
      throw error;
    }
    this.transientSince = null;
    for (const chunk of chunks) {
      sinkMetrics.flushes.inc({ destination: this.name, reason: chunk.reason });
      sinkMetrics.flushRecords.observe({ destination: this.name }, chunk.items.length);
      sinkMetrics.flushBytes.observe({ destination: this.name }, chunk.bytes);
      sinkMetrics.flushDuration.observe({ destination: this.name }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  private async write(chunks: SinkChunk[]): Promise<void> {
    const { destination, dlq, logger } = this.options;
    const letters: DeadLetter[] = [];
    const now = new Date();
    if (this.options.reportsDecodeFailures) {
      for (const r of chunks.flatMap((c) => c.items))
        if (r.decoded.kind === 'poison') letters.push(letter(r, 'DESERIALIZATION', r.decoded.error, 0, now));
    }
    const delivery: DeliverySettings = {
      ...this.options.retry,
      isStopping: this.options.isStopping,
      onRetry: (error, kind, delayMs) => {
        sinkMetrics.retries.inc({ destination: this.name, kind });
        if (kind === 'transient' && this.transientSince === null) this.transientSince = Date.now();
        logger.warn({ destination: this.name, kind, delay_ms: Math.round(delayMs), err: error }, 'write failed; retrying');
      },
    };
    const outcome = await destination.write(chunks, delivery);
    for (const f of outcome.failed) letters.push(letter(f.record, 'SINK_WRITE', f.error.message, f.attempts, now));
    if (letters.length > 0) {
      await dlq.publish(letters);
      for (const l of letters) sinkMetrics.dlq.inc({ destination: this.name, error_type: l.errorType });
      logger.warn(
        { destination: this.name, dead_letters: letters.length, first: letters[0].message },
        'records sent to the dead-letter queue',
      );
    }
    for (const [table, count] of Object.entries(outcome.rows)) sinkMetrics.rowsWritten.inc({ destination: this.name, table }, count ?? 0);
    if (outcome.objects > 0) {
      sinkMetrics.lakeObjects.inc({ destination: this.name }, outcome.objects);
      sinkMetrics.lakeBytes.inc({ destination: this.name }, outcome.bytes);
    }
  }

  private async commitOffsets(tp: TopicPartition, nextOffset: bigint): Promise<void> {
    const { destination, logger, isStopping, owns } = this.options;
    const commitOnce = () => this.options.commitOffsets([{ ...tp, offset: nextOffset.toString() }]);
    if (!destination.commitRequired) {
      await commitOnce().catch((error) => {
        sinkMetrics.commitFailures.inc({ destination: this.name });
        logger.warn(
          { destination: this.name, err: error },
          'Kafka offset commit failed; the offsets stored with the rows remain the position',
        );
      });
      return;
    }
    await withRetry(
      async () => {
        if (isStopping()) throw new SinkStoppedError();
        await commitOnce();
      },
      {
        maxAttempts: 8,
        baseDelayMs: 100,
        maxDelayMs: 2000,
        retryable: (error) => {
          if (error instanceof SinkStoppedError || isStopping()) return false;
          sinkMetrics.commitFailures.inc({ destination: this.name });
          logger.warn({ destination: this.name, err: error, ...tp }, 'Kafka offset commit failed');
          return owns(tp) && !leftGroup(error) && !staleCoordinator(error);
        },
      },
    ).catch((error) => {
      if (isStopping()) throw new SinkStoppedError();
      // Losing the partition is fine: the new owner finds the write-ahead intent and replays the same batch.
      if (!owns(tp)) return;
      // Only a new consumer finds the moved coordinator: the process restarts and replays from the intent.
      if (staleCoordinator(error)) this.options.onFatal(new OffsetsNotCommittedError(error));
      throw new OffsetsNotCommittedError(error);
    });
  }
}

function letter(r: SinkRecord, errorType: DeadLetter['errorType'], message: string, retryCount: number, firstAttempt: Date): DeadLetter {
  return {
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    key: r.key,
    value: r.value,
    headers: r.headers,
    errorType,
    message,
    retryCount,
    firstAttempt,
  };
}
