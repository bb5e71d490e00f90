/**
 * Stage B: event-time windows. Consumes the repartition topic (group `<group>-b`); each partition
 * is a task with its own WindowingEngine, restored from its changelog partition when the task is
 * opened. Per batch, in one transaction: aggregates (Avro) to the aggregated topic, late events to
 * the late topic (as their Confluent-framed source records), invalid ones to the DLQ, state
 * mutations to the changelog, and the offsets.
 * A timer re-evaluates each caught-up task's watermark in processing time so idle sources let
 * windows close, and refreshes which sources stage A has not consumed to their end yet: those are
 * pending, never idle (see source-backlog.ts). Until a task has read its partition up to where it
 * stood at that refresh, every source is pending for it: what stage A has already passed on may
 * still be ahead of the task, and judging a source idle then would make its records late.
 */
import { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import { buildDlqRecord, DlqRecord, DlqSource, dlqMessage, HEADERS, lateMessage } from '@platform/contracts';
import { createConsumer, headersToStrings, readPartitionsToEnd } from '@platform/kafka';
import { EngineOutput, PartitionTime, StateValue, WindowEvent, WindowingEngine } from '@platform/windowing';
import { committedOffset } from '../committed-offsets';
import { processorMetrics } from '../metrics';
import { toAggregatedRecord } from '../records';
import { decodeRepartition, sourceFromHeaders, withoutSourceHeaders } from '../processing';
import { StageDeps } from '../stage-a/stage-a';
import { changelogTopic, repartitionTopic, sourcePartitions, stageGroupId } from '../topology';
import { commitTransaction, OutgoingMessage } from '../transactions';
import { mergeOutputs, WindowTask } from './task';
import { PartitionRange, sourcesToHold, sourcesWithBacklog } from './source-backlog';
import { aggregateKey } from '@platform/contracts';

export class StageB {
  readonly groupId: string;
  private consumer?: Consumer;
  private readonly tasks = new Map<number, WindowTask>();
  private readonly opening = new Map<number, Promise<WindowTask>>();
  private readonly repartition: string;
  private readonly changelog: string;
  private timer?: NodeJS.Timeout;
  private stopping = false;
  /** Sources whose input stage A has not consumed to the end; all of them until known. */
  private pendingSources: Set<string>;
  private readonly allSources: Set<string>;
  /** Per repartition partition, its [low, high) offsets read right after stage A's offsets. */
  private repartitionRange = new Map<number, PartitionRange>();
  private refreshing = false;

  constructor(private readonly deps: StageDeps) {
    this.groupId = stageGroupId(deps.config, 'b');
    this.repartition = repartitionTopic(deps.pipeline);
    this.changelog = changelogTopic(deps.pipeline);
    this.allSources = new Set(sourcePartitions(deps.pipeline));
    this.pendingSources = this.allSources;
  }

  async start(): Promise<void> {
    const { kafka, config } = this.deps;
    const consumer = createConsumer(kafka, this.groupId, { sessionTimeout: config.sessionTimeoutMs, heartbeatInterval: Math.min(3000, config.sessionTimeoutMs / 3) });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.deps.onFatal?.(payload.error);
    });
    // Tasks that moved away are dropped. A task kept across a rebalance keeps its engine: if another
    // instance ran it in between, that instance's producer fenced ours, so our next commit fails and
    // the task is rebuilt from the changelog before anything of the stale engine can be committed.
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const kept = new Set(payload.memberAssignment[this.repartition] ?? []);
      for (const partition of [...this.tasks.keys()]) if (!kept.has(partition)) this.closeTask(partition);
      for (const task of this.tasks.values()) task.verified = false;
    });
    await this.refreshPendingSources();
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize === 0 && payload.topic === this.repartition && payload.firstOffset !== null) void this.commitSkipped(payload.partition, payload.firstOffset, payload.lastOffset);
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.repartition, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: config.concurrency,
      eachBatch: (payload) => this.onBatch(payload),
    });
    this.timer = setInterval(() => void this.tick(), config.timerIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.consumer?.disconnect();
    await Promise.all([...this.tasks.values()].map((t) => t.run(async () => undefined)));
  }

  /** The tasks open in this instance (for tests and metrics). */
  openTasks(): number[] {
    return [...this.tasks.keys()];
  }

  private transactionalId(partition: number): string {
    return `${this.deps.config.group}-b-${partition}`;
  }

  private closeTask(partition: number): void {
    const task = this.tasks.get(partition);
    if (!task) return;
    this.tasks.delete(partition);
    void task.run(async () => {
      task.closed = true;
    });
  }

  private task(partition: number): Promise<WindowTask> {
    const open = this.tasks.get(partition);
    if (open) return Promise.resolve(open);
    let pending = this.opening.get(partition);
    if (!pending) {
      pending = this.openTask(partition).finally(() => this.opening.delete(partition));
      this.opening.set(partition, pending);
    }
    return pending;
  }

  /** Fences the previous owner, reads the changelog partition to its end and restores the engine. */
  private async openTask(partition: number): Promise<WindowTask> {
    const { pipeline, producers, kafka, log } = this.deps;
    const txId = this.transactionalId(partition);
    // Always a fresh producer: its initialisation fences every earlier one with this id, including
    // a task of this instance closed by a rebalance, and aborts any transaction left open, so the
    // changelog read below cannot stop short at an open transaction.
    await producers.drop(txId);
    const producer = producers.get(txId);
    await producer;
    const state: Array<readonly [string, StateValue | null]> = [];
    await readPartitionsToEnd(kafka, this.changelog, [partition], (_, m) => {
      if (m.key) state.push([m.key.toString('utf8'), m.value ? (JSON.parse(m.value.toString('utf8')) as StateValue) : null]);
    });
    processorMetrics.restored.inc(state.length);
    const engine = new WindowingEngine({ ...pipeline.watermark, windows: pipeline.windows, dedupeTtlMs: pipeline.dedupeTtlMs, eventTypes: pipeline.eventTypes });
    const summary = engine.restore(state);
    const task = new WindowTask(partition, txId, engine, producer);
    // Sources that have not reached this task yet hold its watermark until they send or go idle.
    task.pending.push(engine.assignPartitions(sourcePartitions(pipeline), Date.now()));
    this.tasks.set(partition, task);
    this.holdSources(task);
    log.info({ task: partition, changelog_records: state.length, ...summary }, 'window task restored');
    return task;
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { partition } = batch;
    // kafkajs heartbeats only between batches or when asked: keep the membership alive while a
    // task restores from its changelog, or the group would move it away mid-restore.
    const beat = setInterval(() => void heartbeat().catch(() => undefined), 1000);
    let task: WindowTask;
    try {
      task = await this.task(partition);
    } finally {
      clearInterval(beat);
    }
    await task.run(async () => {
      if (task.closed) return;
      if (!task.verified) {
        const committed = await committedOffset(this.deps.admin, this.groupId, this.repartition, partition);
        task.verified = true;
        task.nextOffset = committed;
        if (committed !== undefined && batch.messages.length > 0 && BigInt(batch.messages[0].offset) < committed) {
          this.consumer!.seek({ topic: this.repartition, partition, offset: committed.toString() });
          return;
        }
      }
      const lag = BigInt(batch.highWatermark) - BigInt(batch.lastOffset()) - 1n;
      processorMetrics.consumerLag.set({ topic: this.repartition, partition: String(partition) }, Number(lag > 0n ? lag : 0n));
      // A batch fetched before a seek took effect may start below what is committed: skip that part.
      const next = task.nextOffset;
      const messages = next === undefined ? batch.messages : batch.messages.filter((m) => BigInt(m.offset) >= next);
      const max = this.deps.config.maxBatchRecords;
      for (let from = 0; from < messages.length; from += max) {
        if (!isRunning() || isStale() || task.closed) return;
        const chunk = messages.slice(from, from + max);
        // The fetch may end in transaction markers after the last record: the final chunk covers
        // them too, so the committed position reaches the partition's end.
        const last = from + max >= messages.length ? batch.lastOffset() : chunk[chunk.length - 1].offset;
        await this.process(task, chunk, last);
        task.nextOffset = BigInt(last) + 1n;
        if (task.behindRefresh) this.holdSources(task);
        resolveOffset(last);
        await heartbeat();
      }
      task.caughtUp = lag <= 0n;
      task.lastBatchAt = Date.now();
    });
  }

  private async process(task: WindowTask, chunk: KafkaMessage[], lastOffset: string): Promise<void> {
    const outputs = task.pending.splice(0);
    const origin = new Map<WindowEvent, KafkaMessage>();
    const invalid: Array<{ message: KafkaMessage; reason: string }> = [];
    // Runs of equal record timestamps share one call, so idleness decisions replay exactly.
    let run: Array<WindowEvent | PartitionTime> = [];
    let runTime = NaN;
    let maxTime = 0;
    for (const message of chunk) {
      let input: WindowEvent | PartitionTime;
      try {
        if (!message.value) throw new Error('repartition record without a value');
        input = decodeRepartition(message.value);
      } catch (error) {
        invalid.push({ message, reason: (error as Error).message });
        continue;
      }
      const time = Number(message.timestamp);
      if (time > maxTime) maxTime = time;
      if (time !== runTime && run.length > 0) {
        outputs.push(task.engine.processBatch(run, runTime));
        run = [];
      }
      runTime = time;
      if ('eventId' in input) origin.set(input, message);
      run.push(input);
    }
    if (run.length > 0) outputs.push(task.engine.processBatch(run, runTime));
    const out = mergeOutputs(outputs);
    try {
      await this.commit(task, out, maxTime || Date.now(), origin, invalid, lastOffset);
    } catch (error) {
      // The engine is ahead of what Kafka holds: drop it; the task is rebuilt from the changelog.
      this.closeTaskNow(task);
      throw error;
    }
    processorMetrics.recordsIn.inc({ topic: this.repartition }, chunk.length);
  }

  /**
   * A fetch holding only transaction markers (or aborted records) never reaches eachBatch, so the
   * commit markers that end stage A's last transactions would stay ahead of the group's position
   * for good (lag that never drains). When such a run starts right where the task's committed
   * position is, it is committed on its own: everything before it was processed and committed.
   */
  private async commitSkipped(partition: number, firstOffset: string, lastOffset: string): Promise<void> {
    const task = this.tasks.get(partition);
    if (!task) return;
    await task.run(async () => {
      if (task.closed || !task.verified || task.nextOffset === undefined) return;
      if (BigInt(firstOffset) !== task.nextOffset) return;
      const next = BigInt(lastOffset) + 1n;
      try {
        await commitTransaction(await task.producer, 'b', { messages: [], offsets: { groupId: this.groupId, topic: this.repartition, partition, nextOffset: next.toString() } });
        task.nextOffset = next;
        if (task.behindRefresh) this.holdSources(task);
      } catch (error) {
        this.closeTaskNow(task);
        this.deps.log.warn({ err: error, task: partition }, 'committing past transaction markers failed; task will be restored');
      }
    });
  }

  private closeTaskNow(task: WindowTask): void {
    task.closed = true;
    if (this.tasks.get(task.partition) === task) this.tasks.delete(task.partition);
    void this.deps.producers.drop(task.transactionalId, task.producer);
  }

  private async commit(
    task: WindowTask,
    out: EngineOutput,
    processedTime: number,
    origin: Map<WindowEvent, KafkaMessage>,
    invalid: Array<{ message: KafkaMessage; reason: string }>,
    lastOffset?: string,
  ): Promise<void> {
    const { pipeline, catalog, log } = this.deps;
    const messages: OutgoingMessage[] = [];
    const aggregated = catalog.aggregated;
    for (const result of out.results) {
      const record = toAggregatedRecord(result, processedTime);
      messages.push({ topic: pipeline.topics.aggregated.name, key: aggregateKey(record), value: catalog.encode(aggregated, record) });
    }
    const dead = (message: KafkaMessage | undefined, type: 'LATE' | 'PROCESSING', text: string, eventId: string | null) => {
      const headers = withoutSourceHeaders(headersToStrings(message?.headers));
      const repartitioned = { topic: this.repartition, partition: task.partition, offset: message?.offset ?? '-1', key: message?.key ?? null, value: message?.value ?? null, headers };
      // A late event goes out as its source record (see lateMessage); anything else as the repartition record.
      const carried = type === 'LATE' ? sourceFromHeaders(message?.headers) : undefined;
      const record = buildDlqRecord(carried ?? repartitioned, { type, message: text }, { failedIn: 'processor', eventId: eventId ?? headers[HEADERS.eventId] ?? null, traceId: headers[HEADERS.traceId] ?? null });
      log.warn({ trace_id: record.trace_id, event_id: record.event_id, error_type: type }, text);
      return { record, carried, key: message?.key ?? null };
    };
    for (const rejection of out.rejected) {
      const message = origin.get(rejection.event);
      if (rejection.reason === 'LATE') {
        processorMetrics.late.inc();
        if (rejection.partial) continue;
        const missed = rejection.missed.map((m) => `${m.windowName}@${m.windowStart}`).join(', ');
        const { record, carried, key } = dead(message, 'LATE', `event at ${rejection.event.timestamp} is later than the allowed lateness (watermark ${rejection.watermark}); missed ${missed}`, rejection.event.eventId);
        messages.push(this.lateRecord(carried, record, key));
      } else {
        processorMetrics.dlq.inc({ reason: 'PROCESSING' });
        const { record, key } = dead(message, 'PROCESSING', rejection.message, rejection.event.eventId);
        messages.push({ topic: pipeline.topics.dlq.name, ...dlqMessage(record, key) });
      }
    }
    for (const { message, reason } of invalid) {
      processorMetrics.dlq.inc({ reason: 'PROCESSING' });
      const { record, key } = dead(message, 'PROCESSING', reason, null);
      messages.push({ topic: pipeline.topics.dlq.name, ...dlqMessage(record, key) });
    }
    for (const m of out.mutations) {
      messages.push({ topic: this.changelog, partition: task.partition, key: m.key, value: m.value === null ? null : JSON.stringify(m.value) });
    }
    if (out.duplicates.length > 0) processorMetrics.duplicates.inc(out.duplicates.length);
    if (messages.length === 0 && lastOffset === undefined) return;
    await commitTransaction(await task.producer, 'b', {
      messages,
      offsets: lastOffset === undefined ? undefined : { groupId: this.groupId, topic: this.repartition, partition: task.partition, nextOffset: (BigInt(lastOffset) + 1n).toString() },
    });
    this.observe(task);
  }

  /**
   * The late topic holds source records (Confluent-framed Avro, metadata in headers). A repartition
   * record without its source (written before stage A carried it) cannot be one: it goes to the DLQ,
   * still as LATE, with what it has.
   */
  private lateRecord(carried: DlqSource | undefined, record: DlqRecord, key: Buffer | null): OutgoingMessage {
    const { pipeline, log } = this.deps;
    if (carried) {
      try {
        return { topic: pipeline.topics.late.name, ...lateMessage(carried, record) };
      } catch (error) {
        log.warn({ event_id: record.event_id, err: error }, 'late event without a Confluent-framed source record; to the DLQ');
      }
    }
    return { topic: pipeline.topics.dlq.name, ...dlqMessage(record, key) };
  }

  private observe(task: WindowTask): void {
    const stats = task.engine.stats();
    const label = { task: String(task.partition) };
    processorMetrics.openWindows.set(label, stats.openWindows);
    processorMetrics.stateEntries.set(label, stats.openWindows + stats.dedupeIds);
    if (stats.watermark > 0) processorMetrics.watermarkLag.set(label, Math.max(0, (Date.now() - stats.watermark) / 1000));
  }

  /**
   * Reads which sources stage A has not consumed to their end and hands them to every engine. When
   * that cannot be read (broker unreachable), every source counts as pending: not knowing whether
   * input is on its way must hold the watermark, never release it.
   */
  private async refreshPendingSources(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      const backlog = await sourcesWithBacklog(this.deps.admin, stageGroupId(this.deps.config, 'a'), this.deps.pipeline.eventTypes.map((t) => t.topic));
      // Read after stage A's offsets, so it covers everything stage A had passed on by then.
      const ends = await this.deps.admin.fetchTopicOffsets(this.repartition);
      this.pendingSources = backlog;
      this.repartitionRange = new Map(ends.map((e) => [e.partition, { low: BigInt(e.low), high: BigInt(e.high) }]));
    } catch (error) {
      this.pendingSources = this.allSources;
      this.deps.log.warn({ err: error }, 'could not read stage A backlog; holding every source');
    } finally {
      this.refreshing = false;
    }
    for (const task of this.tasks.values()) this.holdSources(task);
  }

  /** Hands the task the sources it must not judge idle (see sourcesToHold). */
  private holdSources(task: WindowTask): void {
    const { hold, behind } = sourcesToHold(this.repartitionRange.get(task.partition), task.nextOffset, this.pendingSources, this.allSources);
    task.behindRefresh = behind;
    task.engine.setPendingPartitions(hold);
  }

  /** Processing-time watermark re-evaluation for tasks that are caught up and quiet. */
  private async tick(): Promise<void> {
    if (this.stopping) return;
    await this.refreshPendingSources();
    if (this.stopping) return;
    const now = Date.now();
    for (const task of [...this.tasks.values()]) {
      if (!task.caughtUp || now - task.lastBatchAt < this.deps.config.timerIntervalMs) continue;
      await task
        .run(async () => {
          if (task.closed || this.stopping) return;
          const out = mergeOutputs([...task.pending.splice(0), task.engine.advanceWatermark(Date.now())]);
          if (out.results.length === 0 && out.rejected.length === 0 && out.mutations.length === 0) return;
          try {
            await this.commit(task, out, Date.now(), new Map(), []);
          } catch (error) {
            this.closeTaskNow(task);
            this.deps.log.warn({ err: error, task: task.partition }, 'timer transaction failed; task will be restored');
          }
        })
        .catch(() => undefined);
    }
  }
}
