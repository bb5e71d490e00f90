/**
 * Stage A: validate, enrich, repartition. Consumes every event topic (group `<group>-a`, read
 * committed) and, per source partition batch, in one transaction: the repartition records (keyed
 * `<type>|<group key>`, carrying their source record in headers), a watermark marker for every repartition partition, the DLQ records and
 * the consumed offsets.
 */
import { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { PipelineConfig } from '@platform/config';
import { buildDlqRecord, dlqMessage, HEADERS } from '@platform/contracts';
import { createConsumer, headersToStrings, partitionForKey } from '@platform/kafka';
import { Logger } from '@platform/observability';
import { encodeEvent, encodeMarker, MARKER_KEY, ReferenceTable, repartitionKey, sourceHeaders, sourceName } from '../processing';
import { SchemaCatalog } from '@platform/schema';
import { committedOffset } from '../committed-offsets';
import { ProcessorConfig } from '../config';
import { processorMetrics } from '../metrics';
import { repartitionTopic, stageGroupId, taskCount } from '../topology';
import { commitTransaction, OutgoingMessage, TaskProducers } from '../transactions';
import { RecordValidator } from './validator';

export interface StageDeps {
  kafka: Kafka;
  admin: Admin;
  pipeline: PipelineConfig;
  catalog: SchemaCatalog;
  reference: ReferenceTable;
  config: ProcessorConfig;
  producers: TaskProducers;
  log: Logger;
  /** Called when a stage's consumer stopped for good (e.g. a missing ACL): the process must stop. */
  onFatal?: (error: Error) => void;
}

export class StageA {
  readonly groupId: string;
  private consumer?: Consumer;
  private readonly validators = new Map<string, RecordValidator>();
  /** Tasks whose position was checked against the committed offset since the last group join. */
  private readonly verified = new Set<string>();
  /** Per task, the first offset not yet covered by a committed transaction of this instance. */
  private readonly nextOffset = new Map<string, bigint>();
  private readonly repartition: string;
  private readonly partitions: number;

  constructor(private readonly deps: StageDeps) {
    this.groupId = stageGroupId(deps.config, 'a');
    this.repartition = repartitionTopic(deps.pipeline);
    this.partitions = taskCount(deps.pipeline);
    for (const spec of deps.pipeline.eventTypes) this.validators.set(spec.topic, new RecordValidator(spec, deps.catalog, deps.reference, deps.config.eventTimeMaxFutureSkewMs));
  }

  transactionalId(topic: string, partition: number): string {
    return `${this.deps.config.group}-a-${topic}-${partition}`;
  }

  async start(): Promise<void> {
    const { kafka, pipeline, config } = this.deps;
    const consumer = createConsumer(kafka, this.groupId, { sessionTimeout: config.sessionTimeoutMs, heartbeatInterval: Math.min(3000, config.sessionTimeoutMs / 3) });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.deps.onFatal?.(payload.error);
    });
    consumer.on(consumer.events.GROUP_JOIN, () => this.verified.clear());
    await consumer.connect();
    await consumer.subscribe({ topics: pipeline.eventTypes.map((t) => t.topic), fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: config.concurrency,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  async stop(): Promise<void> {
    // kafkajs waits for the batches in flight (and so their transactions) before it leaves the group.
    await this.consumer?.disconnect();
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const txId = this.transactionalId(topic, partition);
    const task = sourceName(topic, partition);
    if (!this.verified.has(task)) {
      // First batch since a (re)join: a fresh producer fences any earlier one with this id, also a
      // batch of this instance still in flight from before the rebalance, so its transaction cannot
      // commit after we read the committed offset. A position behind that offset would redo
      // records a committed transaction already covered: seek past them.
      await this.deps.producers.drop(txId);
      await this.deps.producers.get(txId);
      const committed = await committedOffset(this.deps.admin, this.groupId, topic, partition);
      this.verified.add(task);
      if (committed !== undefined) this.nextOffset.set(task, committed);
      else this.nextOffset.delete(task);
      if (committed !== undefined && batch.messages.length > 0 && BigInt(batch.messages[0].offset) < committed) {
        this.consumer!.seek({ topic, partition, offset: committed.toString() });
        return;
      }
    }
    const producerRef = this.deps.producers.get(txId);
    const producer = await producerRef;
    const validator = this.validators.get(topic);
    if (!validator) throw new Error(`no event type for topic ${topic}`);
    const lag = BigInt(batch.highWatermark) - BigInt(batch.lastOffset()) - 1n;
    processorMetrics.consumerLag.set({ topic, partition: String(partition) }, Number(lag > 0n ? lag : 0n));

    // A batch fetched before a seek took effect may start below what is committed: skip that part.
    const next = this.nextOffset.get(task);
    const messages = next === undefined ? batch.messages : batch.messages.filter((m) => BigInt(m.offset) >= next);
    const max = this.deps.config.maxBatchRecords;
    for (let from = 0; from < messages.length; from += max) {
      if (!isRunning() || isStale()) return;
      const chunk = messages.slice(from, from + max);
      const out: OutgoingMessage[] = [];
      let maxEventTime = -Infinity;
      for (const message of chunk) {
        const decision = await validator.decide(message.value, task);
        const source = { topic, partition, offset: message.offset, key: message.key, value: message.value, headers: headersToStrings(message.headers) };
        if (decision.kind === 'event') {
          const key = repartitionKey(decision.event.eventType, decision.event.groupKey ?? '');
          // The source record rides along in headers: a late event leaves stage B exactly as it came.
          const headers: Record<string, string> = { ...sourceHeaders(source), [HEADERS.eventId]: decision.event.eventId };
          if (decision.traceId) headers[HEADERS.traceId] = decision.traceId;
          out.push({ topic: this.repartition, partition: partitionForKey(key, this.partitions), key, value: encodeEvent(decision.event), headers });
          if (decision.event.timestamp > maxEventTime) maxEventTime = decision.event.timestamp;
        } else {
          const record = buildDlqRecord(
            source,
            { type: decision.type, message: decision.message },
            { failedIn: 'processor', eventId: decision.eventId, traceId: decision.traceId },
          );
          out.push({ topic: this.deps.pipeline.topics.dlq.name, ...dlqMessage(record, message.key) });
          processorMetrics.dlq.inc({ reason: decision.type });
          this.deps.log.warn({ trace_id: record.trace_id, event_id: record.event_id, error_type: decision.type, source: `${task}@${message.offset}` }, `to DLQ: ${decision.message}`);
        }
      }
      if (maxEventTime > -Infinity) {
        // Every stage B task tracks this source's clock, including tasks none of its events went to.
        const value = encodeMarker({ partition: task, eventTime: maxEventTime });
        for (let p = 0; p < this.partitions; p++) out.push({ topic: this.repartition, partition: p, key: MARKER_KEY, value });
      }
      const last = chunk[chunk.length - 1].offset;
      try {
        await commitTransaction(producer, 'a', { messages: out, offsets: { groupId: this.groupId, topic, partition, nextOffset: (BigInt(last) + 1n).toString() } });
      } catch (error) {
        await this.deps.producers.drop(txId, producerRef);
        this.verified.delete(task);
        throw error;
      }
      this.nextOffset.set(task, BigInt(last) + 1n);
      processorMetrics.recordsIn.inc({ topic }, chunk.length);
      resolveOffset(last);
      await heartbeat();
    }
  }
}
