/**
 * One destination's consumer loop: its own consumer group (so a slow destination never holds back
 * the other), read committed, auto-commit off. Records are decoded into a per-partition buffer and
 * flushed on count, bytes or age; a flush writes, dead-letters what cannot be written, and only then
 * commits the offsets (warehouse: stored with the rows, Kafka commit best effort; lake: Kafka commit
 * required before the partition's next batch).
 *
 * Positions: on every (re)assignment the buffer is dropped (kafkajs re-reads from the committed
 * offsets) and each partition is sought to the destination's floor (offsets already stored, or
 * already taken by a flush in flight); records below the floor are skipped as a second guard.
 */
import { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { createConsumer, headersToStrings, whileHeartbeating } from '@platform/kafka';
import { Logger } from '@platform/observability';
import { BufferedChunk, partitionKey, PartitionedBuffer } from '../buffer/partitioned-buffer';
import { FlushPolicy, flushReason } from '../buffer/flush-policy';
import { RecordDecoder } from '../decoding/record-decoder';
import { SinkStoppedError } from '../delivery/deliver';
import { DeadLetter, DlqPublisher } from '../delivery/dlq-publisher';
import { DeliverySettings, Destination, SinkRecord } from '../destinations/destination';
import { sinkMetrics } from '../metrics';
import { withRetry } from '@platform/resilience';

export interface RunnerOptions {
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
  /** Called when the loop cannot continue safely (the process should restart and replay). */
  onFatal: (error: Error) => void;
}

type FlushScope = { topic: string; partition: number } | undefined;

interface PartitionState {
  generation: number;
  ready: boolean;
}

export class DestinationRunner {
  private consumer?: Consumer;
  private readonly buffer = new PartitionedBuffer<SinkRecord>();
  /** Next offset per partition that is stored or already taken by a flush. */
  private readonly floors = new Map<string, number>();
  private readonly highWatermarks = new Map<string, number>();
  private readonly partitions = new Map<string, PartitionState>();
  private assigned = new Set<string>();
  private generation = 0;
  private flushChain: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private stopping = false;
  private stopRequested?: Promise<void>;
  private pauseIntake = false;
  private failed = false;
  private batchInProgress: Promise<void> = Promise.resolve();
  private transientSince: number | null = null;
  private readonly name: string;

  constructor(private readonly options: RunnerOptions) {
    this.name = options.destination.name;
  }

  get groupId(): string {
    return this.options.destination.groupId;
  }

  async start(): Promise<void> {
    const { kafka, destination, topics, sessionTimeoutMs } = this.options;
    await destination.start();
    for (const [key, offset] of await destination.storedOffsets()) this.floors.set(key, offset);
    const consumer = createConsumer(kafka, destination.groupId, {
      sessionTimeout: sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(sessionTimeoutMs / 10)),
      rebalanceTimeout: Math.max(sessionTimeoutMs, 10_000),
      maxWaitTimeInMs: 250,
      retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => this.onAssigned(payload.memberAssignment));
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart && !this.stopping) this.fatal(payload.error);
    });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => {
        const run = this.handleBatch(payload);
        this.batchInProgress = run.catch(() => undefined);
        return run;
      },
    });
    const tickMs = Math.max(50, Math.min(1000, Math.floor(this.options.policy.maxAgeMs / 4)));
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  /** Ready for traffic: joined its group, not failed, and the destination not failing for over a minute. */
  healthy(): boolean {
    if (this.failed || this.generation === 0) return false;
    return this.transientSince === null || Date.now() - this.transientSince < 60_000;
  }

  /** Flushes what is buffered now (unpinned partitions), writes and commits it. */
  flush(): Promise<void> {
    return this.enqueueFlush('manual');
  }

  /**
   * Stops consuming, flushes and commits what was buffered (when `flush`), leaves the group. Retries
   * of an unavailable destination are abandoned after `timeoutMs`; those records are read again later.
   */
  async stop(flush = true, timeoutMs = 30_000): Promise<void> {
    if (this.stopRequested) return this.stopRequested;
    const abort = setTimeout(() => (this.stopping = true), timeoutMs);
    abort.unref();
    this.stopRequested = (async () => {
      clearInterval(this.timer);
      this.pauseIntake = true;
      if (!flush) this.stopping = true;
      await this.batchInProgress;
      if (flush && !this.failed) await this.enqueueFlush('shutdown').catch(() => undefined);
      this.stopping = true;
      await this.flushChain;
      await this.consumer?.disconnect().catch(() => undefined);
      await this.options.destination.close().catch((error) => this.options.logger.warn({ err: error, destination: this.name }, 'closing the destination failed'));
      clearTimeout(abort);
    })();
    return this.stopRequested;
  }

  isStopping(): boolean {
    return this.stopping;
  }

  private onAssigned(memberAssignment: Record<string, number[]>): void {
    this.generation++;
    const assigned = new Set<string>();
    for (const [topic, partitions] of Object.entries(memberAssignment)) for (const p of partitions) assigned.add(partitionKey(topic, p));
    this.assigned = assigned;
    // kafkajs resumes every assigned partition from its committed offset: what was buffered is read again.
    this.buffer.clear();
    this.partitions.clear();
    for (const key of this.floors.keys()) if (!assigned.has(key)) this.floors.delete(key);
    for (const [topic, partitions] of Object.entries(memberAssignment)) {
      for (const partition of partitions) {
        const floor = this.floors.get(partitionKey(topic, partition));
        if (floor !== undefined) this.consumer?.seek({ topic, partition, offset: String(floor) });
      }
    }
    this.options.logger.info({ destination: this.name, group: this.groupId, generation: this.generation, partitions: assigned.size }, 'partitions assigned');
  }

  private async handleBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const key = partitionKey(topic, partition);
    if (batch.messages.length === 0 || this.pauseIntake || this.failed) return;
    this.highWatermarks.set(key, Number(batch.highWatermark));
    const generation = this.generation;

    let state = this.partitions.get(key);
    if (!state || state.generation !== generation || !state.ready) {
      const position = await this.options.destination.position(topic, partition, Number(batch.messages[0].offset));
      if (generation !== this.generation) return;
      if (position.floor !== undefined && position.floor > (this.floors.get(key) ?? -1)) this.floors.set(key, position.floor);
      if (position.cuts) this.buffer.setCuts(topic, partition, position.cuts);
      if (position.seekTo !== undefined) {
        this.options.logger.warn({ destination: this.name, topic, partition, offset: position.seekTo }, 'resuming inside an unfinished batch: re-reading it from its first offset');
        this.consumer?.seek({ topic, partition, offset: String(position.seekTo) });
        return;
      }
      state = { generation, ready: true };
      this.partitions.set(key, state);
      const floor = this.floors.get(key);
      if (floor !== undefined && Number(batch.lastOffset()) < floor) {
        // Everything fetched is already stored: jump ahead instead of skipping record by record.
        this.consumer?.seek({ topic, partition, offset: String(floor) });
        return;
      }
    }

    let processed = 0;
    for (const message of batch.messages) {
      if (!isRunning() || isStale() || this.pauseIntake || this.failed || generation !== this.generation) break;
      const offset = Number(message.offset);
      const floor = this.floors.get(key);
      if (floor !== undefined && offset < floor) {
        resolveOffset(message.offset);
        continue;
      }
      if (this.buffer.mustCutBefore(topic, partition, offset)) await this.withHeartbeat(this.enqueueFlush('cut', { topic, partition }), heartbeat);
      const value = message.value ?? null;
      const decoded = await this.options.decoder.decode(topic, value);
      const record: SinkRecord = {
        topic,
        partition,
        offset,
        timestamp: Number(message.timestamp),
        key: message.key ?? null,
        value,
        headers: headersToStrings(message.headers as Record<string, unknown>),
        bytes: (value?.length ?? 0) + (message.key?.length ?? 0),
        decoded,
      };
      this.buffer.add(topic, partition, offset, record, record.bytes, Date.now());
      sinkMetrics.consumed.inc({ destination: this.name, topic });
      resolveOffset(message.offset);
      if (this.buffer.endsAtCut(topic, partition)) {
        await this.withHeartbeat(this.enqueueFlush('cut', { topic, partition }), heartbeat);
      } else {
        const totals = this.buffer.totals();
        if (totals.records >= this.options.policy.maxRecords || totals.bytes >= this.options.policy.maxBytes) {
          const reason = flushReason(this.buffer.stats(), Date.now(), this.options.policy);
          if (reason === 'records' || reason === 'bytes') await this.withHeartbeat(this.enqueueFlush(reason), heartbeat);
        }
      }
      if (++processed % 1000 === 0) await heartbeat();
    }
    this.updateLag(key, topic, partition);
  }

  /** Keeps the group membership alive while a batch waits for a flush. */
  private withHeartbeat(work: Promise<void>, heartbeat: () => Promise<void>): Promise<void> {
    return whileHeartbeating(work, heartbeat, Math.max(500, Math.floor(this.options.sessionTimeoutMs / 5)));
  }

  private tick(): void {
    const stats = this.buffer.stats(true);
    sinkMetrics.buffered.set({ destination: this.name }, stats.records);
    sinkMetrics.oldestUnflushed.set({ destination: this.name }, stats.oldestAt === null ? 0 : (Date.now() - stats.oldestAt) / 1000);
    if (this.pauseIntake || this.failed) return;
    if (flushReason(this.buffer.stats(), Date.now(), this.options.policy) !== null) void this.enqueueFlush('time').catch(() => undefined);
  }

  /** Flushes run one at a time, in order. */
  private enqueueFlush(reason: string, scope?: FlushScope): Promise<void> {
    const run = this.flushChain.then(() => this.flushNow(reason, scope));
    this.flushChain = run.catch(() => undefined);
    return run;
  }

  private async flushNow(reason: string, scope: FlushScope): Promise<void> {
    if (this.failed) return;
    // Pinned partitions (replaying an unfinished lake batch) are only taken at their cut, never early.
    const chunks = scope ? this.buffer.take(scope) : this.buffer.take();
    if (chunks.length === 0) return;
    const generation = this.generation;
    for (const chunk of chunks) this.floors.set(partitionKey(chunk.topic, chunk.partition), chunk.lastOffset + 1);
    const started = process.hrtime.bigint();
    const records = chunks.reduce((n, c) => n + c.items.length, 0);
    const bytes = chunks.reduce((n, c) => n + c.bytes, 0);
    try {
      await this.writeChunks(chunks);
      await this.commit(chunks, generation);
      this.transientSince = null;
      sinkMetrics.flushes.inc({ destination: this.name, reason });
      sinkMetrics.flushRecords.observe({ destination: this.name }, records);
      sinkMetrics.flushBytes.observe({ destination: this.name }, bytes);
      sinkMetrics.flushDuration.observe({ destination: this.name }, Number(process.hrtime.bigint() - started) / 1e9);
      for (const chunk of chunks) this.updateLag(partitionKey(chunk.topic, chunk.partition), chunk.topic, chunk.partition);
    } catch (error) {
      if (error instanceof SinkStoppedError) {
        this.options.logger.warn({ destination: this.name, records }, 'stopped before the flush completed; its records will be read again');
        throw error;
      }
      // The taken records are neither written nor committed: carrying on would skip them.
      this.fatal(error as Error);
      throw error;
    }
  }

  private async writeChunks(chunks: BufferedChunk<SinkRecord>[]): Promise<void> {
    const letters: DeadLetter[] = [];
    const now = new Date();
    if (this.options.reportsDecodeFailures) {
      for (const chunk of chunks) {
        for (const r of chunk.items) {
          if (r.decoded.kind === 'poison') letters.push(this.letter(r, 'DESERIALIZATION', r.decoded.error, 0, now));
        }
      }
    }
    const delivery: DeliverySettings = {
      ...this.options.retry,
      isStopping: () => this.stopping,
      onRetry: (error, kind, delayMs) => {
        sinkMetrics.retries.inc({ destination: this.name, kind });
        if (kind === 'transient' && this.transientSince === null) this.transientSince = Date.now();
        this.options.logger.warn({ destination: this.name, kind, delay_ms: Math.round(delayMs), err: error }, 'write failed; retrying');
      },
    };
    const outcome = await this.options.destination.write(chunks, delivery);
    for (const f of outcome.failed) letters.push(this.letter(f.record, 'SINK_WRITE', f.error.message, f.attempts, now));
    if (letters.length > 0) {
      await this.options.dlq.publish(letters);
      for (const l of letters) sinkMetrics.dlq.inc({ destination: this.name, error_type: l.errorType });
      this.options.logger.warn({ destination: this.name, dead_letters: letters.length, first: letters[0].message }, 'records sent to the dead-letter queue');
    }
    for (const [table, count] of Object.entries(outcome.rows)) sinkMetrics.rowsWritten.inc({ destination: this.name, table }, count ?? 0);
    if (outcome.objects > 0) {
      sinkMetrics.lakeObjects.inc({ destination: this.name }, outcome.objects);
      sinkMetrics.lakeBytes.inc({ destination: this.name }, outcome.bytes);
    }
  }

  private letter(r: SinkRecord, errorType: 'DESERIALIZATION' | 'SINK_WRITE', message: string, retryCount: number, firstAttempt: Date): DeadLetter {
    return { topic: r.topic, partition: r.partition, offset: r.offset, key: r.key, value: r.value, headers: r.headers, errorType, message, retryCount, firstAttempt };
  }

  /** Commits Kafka offsets for the partitions this member still owns. */
  private async commit(chunks: BufferedChunk<SinkRecord>[], generation: number): Promise<void> {
    const owned = () => chunks.filter((c) => this.assigned.has(partitionKey(c.topic, c.partition)));
    const commitOnce = async () => {
      const offsets = owned().map((c) => ({ topic: c.topic, partition: c.partition, offset: String(c.lastOffset + 1) }));
      if (offsets.length > 0) await this.consumer!.commitOffsets(offsets);
    };
    if (!this.options.destination.commitRequired) {
      await commitOnce().catch((error) => {
        sinkMetrics.commitFailures.inc({ destination: this.name });
        this.options.logger.warn({ destination: this.name, err: error }, 'Kafka offset commit failed; the offsets stored with the rows remain the position');
      });
      return;
    }
    await withRetry(
      async () => {
        if (this.stopping) throw new SinkStoppedError();
        await commitOnce();
      },
      {
        maxAttempts: Number.POSITIVE_INFINITY,
        baseDelayMs: 100,
        maxDelayMs: 2000,
        retryable: (error) => {
          if (error instanceof SinkStoppedError || this.stopping) return false;
          sinkMetrics.commitFailures.inc({ destination: this.name });
          this.options.logger.warn({ destination: this.name, err: error, generation, current: this.generation }, 'Kafka offset commit failed; retrying');
          return owned().length > 0;
        },
      },
    ).catch((error) => {
      // Losing the partitions is fine: the new owner finds the write-ahead intent and replays the same batch.
      if (this.stopping) throw new SinkStoppedError();
      if (owned().length > 0) throw error;
    });
  }

  private updateLag(key: string, topic: string, partition: number): void {
    const hw = this.highWatermarks.get(key);
    const position = this.floors.get(key);
    if (hw === undefined || position === undefined) return;
    sinkMetrics.lag.set({ destination: this.name, topic, partition: String(partition) }, Math.max(0, hw - position));
  }

  private fatal(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.options.logger.error({ destination: this.name, err: error }, 'destination cannot continue safely; stopping so a restart replays from the stored positions');
    this.options.onFatal(error);
  }
}
