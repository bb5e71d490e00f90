/**
 * Stage A: decode each raw event (Confluent framing, schema from the registry), check that it belongs
 * to its topic and keeps the pipeline's business rules, enrich it from the reference table, and pass
 * it on to the repartition topic keyed by type and group, so one windowing task sees all of a
 * group's events. Failures go to the DLQ with their reason. A batch's outputs and its consumed
 * offsets commit in one Kafka transaction, so a crash can neither lose nor repeat its work.
 */
import { Consumer, EachBatchPayload, Kafka, Message } from 'kafkajs';
import { Logger } from 'pino';
import { EventTypeSpec, eventTypeByTopic, PipelineConfig } from '@platform/config';
import { buildDlqRecord, DlqErrorType, dlqMessage, EventEnvelope, HEADERS } from '@platform/contracts';
import { createConsumer, headersToStrings } from '@platform/kafka';
import { brokenRule, encodeEvent, encodeMarker, MARKER_KEY, repartitionKey, sourceName } from '@platform/processing';
import { SchemaCatalog } from '@platform/schema';
import { compileFieldReader, FieldReader, WindowEvent } from '@platform/windowing';
import { ReferenceFeed } from './reference-feed';
import { processorMetrics as metrics } from './metrics';
import { TransactionalProducers } from './transactional-producers';
import { ProcessorTopics } from './topics';

export class ValidateStage {
  private consumer?: Consumer;
  private readonly readers = new Map<string, FieldReader>();
  /** Largest event time passed on per source partition: what the watermark markers announce. */
  private readonly sourceTime = new Map<string, number>();
  readonly groupId: string;

  constructor(
    private readonly kafka: Kafka,
    private readonly pipeline: PipelineConfig,
    private readonly topics: ProcessorTopics,
    private readonly catalog: SchemaCatalog,
    private readonly reference: ReferenceFeed,
    private readonly producers: TransactionalProducers,
    private readonly options: { group: string; partitionsConsumedConcurrently: number; sessionTimeoutMs: number; maxBytesPerPartition: number },
    private readonly log: Logger,
  ) {
    this.groupId = `${options.group}-validate`;
    for (const t of pipeline.eventTypes) this.readers.set(t.name, compileFieldReader({ valueField: t.valueField, groupBy: t.groupBy }));
  }

  async start(): Promise<void> {
    this.consumer = createConsumer(this.kafka, this.groupId, { sessionTimeout: this.options.sessionTimeoutMs, maxBytesPerPartition: this.options.maxBytesPerPartition });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.pipeline.eventTypes.map((t) => t.topic), fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.handle(payload),
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }

  private async handle({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    const spec = eventTypeByTopic(this.pipeline, batch.topic);
    const source = sourceName(batch.topic, batch.partition);
    const forward: Message[] = [];
    const deadLetters: Message[] = [];
    let maxTime = this.sourceTime.get(source) ?? Number.NEGATIVE_INFINITY;
    for (const message of batch.messages) {
      const outcome = spec ? await this.validate(spec, source, message.value) : { error: { type: 'UNKNOWN_EVENT_TYPE' as const, message: `topic ${batch.topic} is not in the pipeline` } };
      if ('event' in outcome) {
        const { event } = outcome;
        const headers: Record<string, string> = { [HEADERS.eventId]: event.eventId };
        const trace = headersToStrings(message.headers)[HEADERS.traceId] ?? outcome.traceId;
        if (trace) headers[HEADERS.traceId] = trace;
        forward.push({ key: repartitionKey(event.eventType, event.groupKey ?? ''), value: encodeEvent(event), headers });
        if (event.timestamp > maxTime) maxTime = event.timestamp;
      } else {
        const headers = headersToStrings(message.headers);
        const record = buildDlqRecord(
          { topic: batch.topic, partition: batch.partition, offset: message.offset, key: message.key, value: message.value, headers },
          outcome.error,
          { failedIn: 'processor', eventId: outcome.eventId, traceId: outcome.traceId },
        );
        deadLetters.push(dlqMessage(record, message.key));
        metrics.dlq.inc({ reason: outcome.error.type });
        this.log.warn({ trace_id: record.trace_id, event_id: record.event_id, topic: batch.topic, partition: batch.partition, offset: message.offset, reason: outcome.error.type, message: outcome.error.message }, 'event sent to the DLQ');
      }
    }
    // Every windowing task learns how far this source got, even if none of its events went there.
    if (Number.isFinite(maxTime)) {
      for (let p = 0; p < this.topics.repartitionPartitions; p++) forward.push({ partition: p, key: MARKER_KEY, value: encodeMarker({ partition: source, eventTime: maxTime }) });
    }
    const transactionalId = `${this.options.group}-validate-${batch.topic}-${batch.partition}`;
    const producer = await this.producers.get(transactionalId);
    const started = process.hrtime.bigint();
    const transaction = await producer.transaction();
    try {
      if (forward.length > 0) await transaction.send({ topic: this.topics.repartition, messages: forward, acks: -1 });
      if (deadLetters.length > 0) await transaction.send({ topic: this.pipeline.topics.dlq.name, messages: deadLetters, acks: -1 });
      await transaction.sendOffsets({ consumerGroupId: this.groupId, topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }] }] });
      await transaction.commit();
    } catch (error) {
      metrics.transactions.inc({ stage: 'validate', outcome: 'abort' });
      await transaction.abort().catch(() => undefined);
      await this.producers.drop(transactionalId);
      this.log.warn({ err: error, topic: batch.topic, partition: batch.partition }, 'validate transaction aborted; the batch will be processed again');
      throw error;
    }
    metrics.transactions.inc({ stage: 'validate', outcome: 'commit' });
    metrics.transactionDuration.observe({ stage: 'validate' }, Number(process.hrtime.bigint() - started) / 1e9);
    if (Number.isFinite(maxTime)) this.sourceTime.set(source, maxTime);
    metrics.recordsIn.inc({ stage: 'validate', topic: batch.topic }, batch.messages.length);
    metrics.recordsOut.inc({ stage: 'validate', topic: this.topics.repartition }, forward.length);
    metrics.consumerLag.set({ stage: 'validate', topic: batch.topic, partition: String(batch.partition) }, Number(batch.offsetLag()));
    resolveOffset(batch.lastOffset());
    await heartbeat();
  }

  private async validate(
    spec: EventTypeSpec,
    source: string,
    bytes: Buffer | null,
  ): Promise<{ event: WindowEvent; traceId?: string } | { error: { type: DlqErrorType; message: string }; eventId?: string; traceId?: string }> {
    let envelope: EventEnvelope;
    try {
      if (!bytes) throw new Error('record has no value');
      envelope = (await this.catalog.decode<EventEnvelope>(bytes)).value;
    } catch (error) {
      return { error: { type: 'DESERIALIZATION', message: (error as Error).message } };
    }
    const ids = { eventId: envelope.event_id, traceId: envelope.trace_id ?? undefined };
    if (envelope.event_type !== spec.name) {
      return { ...ids, error: { type: 'UNKNOWN_EVENT_TYPE', message: `event_type ${JSON.stringify(envelope.event_type)} does not belong to topic ${spec.topic} (${spec.name})` } };
    }
    const payload = (envelope.payload ?? {}) as Record<string, unknown>;
    const broken = brokenRule(spec.rules, payload, this.reference.table);
    if (broken) return { ...ids, error: { type: 'BUSINESS_RULE', message: broken } };
    const event: WindowEvent = {
      eventId: envelope.event_id,
      eventType: envelope.event_type,
      timestamp: Number(envelope.timestamp),
      userId: envelope.user_id ?? null,
      deviceId: envelope.device_id ?? null,
      payload: this.reference.table.enrich(payload, spec.enrich),
      partition: source,
    };
    event.groupKey = this.readers.get(spec.name)!.groupKey(event);
    return { event, traceId: ids.traceId };
  }
}
