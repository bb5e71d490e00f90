/**
 * Stage B: event-time windows. Each partition of the repartition topic is a task with its own
 * windowing engine, restored from its partition of the compacted changelog before it processes
 * anything. Per batch, one Kafka transaction carries the aggregates, late and dead-letter records,
 * the state changes (changelog) and the consumed offsets: all of them commit, or none do. A failed
 * transaction drops the task's in-memory state, which is then restored from the changelog, so the
 * engine never runs ahead of what Kafka holds. A timer lets idle inputs release the watermark.
 */
import { Consumer, EachBatchPayload, Kafka, Message } from 'kafkajs';
import { Logger } from 'pino';
import { PipelineConfig } from '@platform/config';
import { aggregateKey, AggregatedRecord, buildDlqRecord, dlqMessage, HEADERS } from '@platform/contracts';
import { createConsumer, headersToStrings, readTopicToEnd } from '@platform/kafka';
import { decodeRepartition } from '@platform/processing';
import { SchemaCatalog } from '@platform/schema';
import { EngineOutput, NO_WATERMARK, PartitionTime, StateValue, WindowEvent, WindowingEngine, WindowResult } from '@platform/windowing';
import { processorMetrics as metrics } from './metrics';
import { TransactionalProducers } from './transactional-producers';
import { ProcessorTopics } from './topics';

interface Task {
  partition: number;
  engine: WindowingEngine;
  /** Serialises batches and timer ticks: one transaction at a time per task. */
  queue: Promise<unknown>;
}

export interface WindowStageOptions {
  group: string;
  watermarkTickMs: number;
  partitionsConsumedConcurrently: number;
  sessionTimeoutMs: number;
  maxBytesPerPartition: number;
  restoreTimeoutMs: number;
}

export function toAggregatedRecord(r: WindowResult, processedTime: number): AggregatedRecord & { retracted: boolean } {
  return {
    window_start: r.windowStart,
    window_end: r.windowEnd,
    window_name: r.windowName,
    window_kind: r.windowKind,
    event_type: r.eventType,
    group_key: r.groupKey,
    count: r.count,
    sum_value: r.sum,
    avg_value: r.avg,
    min_value: r.min,
    max_value: r.max,
    distinct_users: r.distinctUsers,
    version: r.version,
    is_final: r.final,
    retracted: r.retracted,
    processed_time: processedTime,
  };
}

export class WindowStage {
  private consumer?: Consumer;
  private readonly tasks = new Map<number, Promise<Task>>();
  private timer?: NodeJS.Timeout;
  private stopping = false;
  readonly groupId: string;

  constructor(
    private readonly kafka: Kafka,
    private readonly pipeline: PipelineConfig,
    private readonly topics: ProcessorTopics,
    private readonly catalog: SchemaCatalog,
    private readonly producers: TransactionalProducers,
    private readonly options: WindowStageOptions,
    private readonly log: Logger,
  ) {
    this.groupId = `${options.group}-windows`;
  }

  private newEngine(): WindowingEngine {
    const { windows, watermark, dedupeTtlMs, eventTypes } = this.pipeline;
    return new WindowingEngine({ windows, ...watermark, dedupeTtlMs, eventTypes });
  }

  private transactionalId(partition: number): string {
    return `${this.options.group}-windows-${partition}`;
  }

  async start(): Promise<void> {
    const consumer = createConsumer(this.kafka, this.groupId, { sessionTimeout: this.options.sessionTimeoutMs, maxBytesPerPartition: this.options.maxBytesPerPartition });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => this.onAssignment(payload.memberAssignment[this.topics.repartition] ?? []));
    // After a crash the consumer rejoins and restarts from the committed offsets: state must match.
    consumer.on(consumer.events.CRASH, () => this.tasks.clear());
    await consumer.connect();
    await consumer.subscribe({ topic: this.topics.repartition, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.handle(payload),
    });
    this.timer = setInterval(() => void this.tick(), this.options.watermarkTickMs);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.consumer?.disconnect();
    // Let a transaction in flight finish before the producers close.
    await Promise.all([...this.tasks.values()].map((t) => t.then((task) => task.queue).catch(() => undefined)));
  }

  /** Tasks follow the assignment: revoked ones are dropped, new ones restored from the changelog. */
  private onAssignment(partitions: number[]): void {
    const assigned = new Set(partitions);
    for (const partition of [...this.tasks.keys()]) {
      if (!assigned.has(partition)) {
        this.tasks.delete(partition);
        void this.producers.drop(this.transactionalId(partition));
      }
    }
    const missing = partitions.filter((p) => !this.tasks.has(p));
    if (missing.length > 0) this.restore(missing);
    this.log.info({ partitions, restoring: missing }, 'windowing tasks assigned');
  }

  /**
   * Restores tasks from the changelog. Their producers are initialised first: that fences a previous
   * owner and aborts any transaction it left open, so the committed changelog is complete.
   */
  private restore(partitions: number[]): void {
    const records = Promise.all(partitions.map((p) => this.producers.get(this.transactionalId(p)))).then(() =>
      readTopicToEnd(this.kafka, this.topics.changelog, { timeoutMs: this.options.restoreTimeoutMs }),
    );
    for (const partition of partitions) {
      const task = records.then((all) => {
        const engine = this.newEngine();
        const entries: Array<[string, StateValue | null]> = [];
        for (const { partition: p, message } of all) {
          if (p !== partition || !message.key) continue;
          entries.push([message.key.toString('utf8'), message.value === null ? null : (JSON.parse(message.value.toString('utf8')) as StateValue)]);
        }
        const summary = engine.restore(entries);
        metrics.restored.inc(entries.length);
        this.log.info({ partition, entries: entries.length, summary }, 'windowing task restored from the changelog');
        return { partition, engine, queue: Promise.resolve() } as Task;
      });
      task.catch((error) => {
        if (this.tasks.get(partition) === task) this.tasks.delete(partition);
        this.log.warn({ err: error, partition }, 'restoring a windowing task failed; it will be retried');
      });
      this.tasks.set(partition, task);
    }
  }

  private task(partition: number): Promise<Task> {
    if (!this.tasks.has(partition)) this.restore([partition]);
    return this.tasks.get(partition)!;
  }

  private serial<T>(task: Task, work: () => Promise<T>): Promise<T> {
    const run = task.queue.then(work, work);
    task.queue = run.catch(() => undefined);
    return run;
  }

  private async handle({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    const task = await this.task(batch.partition);
    await this.serial(task, async () => {
      const inputs: Array<WindowEvent | PartitionTime> = [];
      const deadLetters: Message[] = [];
      let nowMs = 0;
      for (const message of batch.messages) {
        nowMs = Math.max(nowMs, Number(message.timestamp));
        try {
          inputs.push(decodeRepartition(message.value ?? Buffer.alloc(0)));
        } catch (error) {
          const record = buildDlqRecord(
            { topic: batch.topic, partition: batch.partition, offset: message.offset, key: message.key, value: message.value, headers: headersToStrings(message.headers) },
            { type: 'PROCESSING', message: `unreadable repartition record: ${(error as Error).message}` },
            { failedIn: 'processor' },
          );
          deadLetters.push(dlqMessage(record, message.key));
          metrics.dlq.inc({ reason: 'PROCESSING' });
        }
      }
      const output = task.engine.processBatch(inputs, nowMs);
      await this.commit(task, output, deadLetters, (BigInt(batch.lastOffset()) + 1n).toString());
      metrics.recordsIn.inc({ stage: 'windows', topic: batch.topic }, batch.messages.length);
      metrics.consumerLag.set({ stage: 'windows', topic: batch.topic, partition: String(batch.partition) }, Number(batch.offsetLag()));
    });
    resolveOffset(batch.lastOffset());
    await heartbeat();
  }

  /** Lets idle inputs release the watermark: fires what is due at processing time now. */
  private async tick(): Promise<void> {
    if (this.stopping) return;
    for (const pending of [...this.tasks.values()]) {
      let task: Task;
      try {
        task = await pending;
      } catch {
        continue;
      }
      await this.serial(task, async () => {
        if (this.tasks.get(task.partition) !== pending) return; // dropped meanwhile
        await this.commit(task, task.engine.advanceWatermark(Date.now()), [], undefined);
      }).catch((error) => this.log.warn({ err: error, partition: task.partition }, 'watermark tick failed; the task will be restored'));
    }
  }

  private async commit(task: Task, output: EngineOutput, extraDeadLetters: Message[], nextOffset: string | undefined): Promise<void> {
    const now = Date.now();
    const aggregates: Message[] = output.results.map((r) => {
      const record = toAggregatedRecord(r, now);
      return { key: aggregateKey(record), value: this.catalog.encode(this.catalog.aggregated, record) };
    });
    const late: Message[] = [];
    const deadLetters = [...extraDeadLetters];
    for (const rejection of output.rejected) {
      const headers = { [HEADERS.eventId]: rejection.event.eventId };
      if (rejection.reason === 'LATE') {
        if (rejection.partial) {
          metrics.late.inc({ kind: 'partial' });
          continue;
        }
        metrics.late.inc({ kind: 'dropped' });
        late.push({ key: rejection.event.eventId, value: Buffer.from(JSON.stringify({ reason: 'LATE', watermark: rejection.watermark, missed: rejection.missed, event: rejection.event })), headers });
      } else {
        const value = Buffer.from(JSON.stringify(rejection.event));
        const record = buildDlqRecord({ topic: this.topics.repartition, partition: task.partition, offset: '-1', key: null, value, headers }, { type: 'PROCESSING', message: rejection.message }, { failedIn: 'processor', eventId: rejection.event.eventId });
        deadLetters.push(dlqMessage(record, rejection.event.eventId));
        metrics.dlq.inc({ reason: 'PROCESSING' });
      }
    }
    const changelog: Message[] = output.mutations.map((m) => ({ partition: task.partition, key: m.key, value: m.value === null ? null : JSON.stringify(m.value) }));
    metrics.duplicates.inc(output.duplicates.length);
    this.observe(task);
    if (aggregates.length + late.length + deadLetters.length + changelog.length === 0 && nextOffset === undefined) return;

    const transactionalId = this.transactionalId(task.partition);
    const producer = await this.producers.get(transactionalId);
    const started = process.hrtime.bigint();
    const transaction = await producer.transaction();
    try {
      if (aggregates.length > 0) await transaction.send({ topic: this.pipeline.topics.aggregated.name, messages: aggregates, acks: -1 });
      if (late.length > 0) await transaction.send({ topic: this.pipeline.topics.late.name, messages: late, acks: -1 });
      if (deadLetters.length > 0) await transaction.send({ topic: this.pipeline.topics.dlq.name, messages: deadLetters, acks: -1 });
      if (changelog.length > 0) await transaction.send({ topic: this.topics.changelog, messages: changelog, acks: -1 });
      if (nextOffset !== undefined) {
        await transaction.sendOffsets({ consumerGroupId: this.groupId, topics: [{ topic: this.topics.repartition, partitions: [{ partition: task.partition, offset: nextOffset }] }] });
      }
      await transaction.commit();
    } catch (error) {
      metrics.transactions.inc({ stage: 'windows', outcome: 'abort' });
      await transaction.abort().catch(() => undefined);
      // The engine has applied what Kafka did not keep: forget it and restore from the changelog.
      this.tasks.delete(task.partition);
      await this.producers.drop(transactionalId);
      this.log.warn({ err: error, partition: task.partition }, 'windows transaction aborted; the task will be restored and the batch processed again');
      throw error;
    }
    metrics.transactions.inc({ stage: 'windows', outcome: 'commit' });
    metrics.transactionDuration.observe({ stage: 'windows' }, Number(process.hrtime.bigint() - started) / 1e9);
    metrics.recordsOut.inc({ stage: 'windows', topic: this.pipeline.topics.aggregated.name }, aggregates.length);
    if (late.length > 0) metrics.recordsOut.inc({ stage: 'windows', topic: this.pipeline.topics.late.name }, late.length);
    for (const letter of late) this.log.info({ event_id: letter.key }, 'event later than the allowed lateness sent to the late topic');
  }

  private observe(task: Task): void {
    const stats = task.engine.stats();
    const partition = String(task.partition);
    metrics.openWindows.set({ partition }, stats.openWindows);
    metrics.stateEntries.set({ partition }, stats.openWindows + stats.dedupeIds);
    if (task.engine.watermark !== NO_WATERMARK) metrics.watermarkLag.set({ partition }, Math.max(0, (Date.now() - task.engine.watermark) / 1000));
  }
}
