/**
 * Publishing: validate (JSON against the Avro schema, or Confluent-framed Avro whose schema id
 * belongs to the topic), route, partition by the configured key, write once per event_id, and
 * answer only after Kafka acknowledged.
 */
import { Inject, Injectable } from '@nestjs/common';
import { EventTypeSpec } from '@platform/runtime';
import { HEADERS, PlatformError } from '@platform/contracts';
import type { OutgoingRecord, RecordAck } from '@platform/kafka';
import { frame, RegisteredSchema } from '@platform/schema';
import { INGEST_CONFIG } from '../tokens';
import { IngestConfig } from '../config';
import { KafkaPublisher, UnacknowledgedWrite } from '../kafka/kafka-publisher';
import { PartitionTable } from '../kafka/partition-table';
import { SchemaGate, unavailableRegistry } from '../schema/schema-gate';
import { IdempotencyService, IdempotentOutcome, isFailure } from '../idempotency/idempotency.service';
import { StoredResult } from '../idempotency/idempotency-store';
import { newTraceId } from '../http/request-context';
import { ingestMetrics, topicMetricsFor } from '../metrics';
import { checkDecodedEvent, EventTimeBounds, Preparation, PreparedEvent, prepareJsonEvent } from './event-preparation';

export type BatchItemResult =
  | (StoredResult & { index: number; duplicate?: true })
  | {
      index: number;
      status: 'rejected';
      event_id: string | null;
      error_code: string;
      message: string;
      details: Record<string, unknown> | null;
    };

export interface BatchOutcome {
  results: BatchItemResult[];
  accepted: number;
  duplicates: number;
  rejected: number;
  /** Set when some valid events could not be written (Kafka or a store unavailable). */
  failure?: PlatformError;
}

@Injectable()
export class EventsService {
  constructor(
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    private readonly publisher: KafkaPublisher,
    private readonly schemas: SchemaGate,
    private readonly partitions: PartitionTable,
    private readonly idempotency: IdempotencyService,
  ) {}

  private timeBounds(): EventTimeBounds {
    return { nowMs: Date.now(), maxFutureSkewMs: this.config.eventTimeMaxFutureSkewMs, maxAgeMs: this.config.eventTimeMaxAgeMs };
  }

  async publishJson(type: EventTypeSpec, body: unknown, headerTraceId: string | undefined): Promise<IdempotentOutcome> {
    if (!this.schemas.isRegistered) await this.schemas.ensureRegistered();
    const schema = this.schemas.schemaFor(type);
    const prepared = this.accept(
      prepareJsonEvent(type, schema.type, body, this.partitions.count(type.topic), () => headerTraceId ?? newTraceId(), this.timeBounds()),
    );
    return this.write(type, prepared, () => this.schemas.catalog.encode(schema, prepared.value));
  }

  /** Confluent-framed Avro: the schema id must be one registered under the topic's subject. */
  async publishAvro(type: EventTypeSpec, bytes: Buffer, headerTraceId: string | undefined): Promise<IdempotentOutcome> {
    const decoded = await this.schemas.decode(bytes);
    if (decoded.kind === 'unavailable') throw unavailableRegistry();
    if (decoded.kind === 'poison' && decoded.schemaId === undefined)
      throw this.rejected(new PlatformError(400, 'INVALID_AVRO', decoded.reason));
    if (!this.schemas.isRegistered) await this.schemas.ensureRegistered();
    if (decoded.kind === 'poison' && decoded.problem === 'unknown-schema')
      throw this.rejected(new PlatformError(400, 'UNKNOWN_SCHEMA_ID', decoded.reason));
    const schemaId = decoded.schemaId!;
    if (schemaId !== this.schemas.schemaFor(type).id && !(await this.schemas.belongsToSubject(type.subject, schemaId))) {
      throw this.rejected(
        new PlatformError(400, 'SCHEMA_SUBJECT_MISMATCH', `schema id ${schemaId} is not registered under ${type.subject}`),
      );
    }
    if (decoded.kind === 'poison')
      throw this.rejected(new PlatformError(400, 'INVALID_AVRO', `the body does not decode with schema id ${schemaId}`));
    const value = decoded.value;
    const avroType = decoded.schema.type;
    // The trace id travels in the record when the schema has the field: fill it in and re-encode.
    const hasTraceField = (avroType as unknown as { fields?: Array<{ name: string }> }).fields?.some((f) => f.name === 'trace_id') ?? false;
    let outgoing = bytes;
    if (value.trace_id === undefined || value.trace_id === null) {
      value.trace_id = headerTraceId ?? newTraceId();
      if (hasTraceField) outgoing = frame(schemaId, avroType.toBuffer(value));
    }
    const prepared = this.accept(checkDecodedEvent(type, value, this.partitions.count(type.topic), this.timeBounds()));
    return this.write(type, prepared, () => outgoing);
  }

  /**
   * Batch-level work: one validation pass, then one idempotency claim, one encoding pass into a
   * shared buffer and one producer call for every event claimed, so an event costs array slots
   * rather than its own chain of promises and timers.
   */
  async publishBatch(type: EventTypeSpec, events: unknown[], headerTraceId: string | undefined): Promise<BatchOutcome> {
    if (!this.schemas.isRegistered) await this.schemas.ensureRegistered();
    const schema = this.schemas.schemaFor(type);
    const partitions = this.partitions.count(type.topic);
    ingestMetrics.requestBatchEvents.observe(events.length);
    const traceId = () => headerTraceId ?? newTraceId();
    const bounds = this.timeBounds();
    const results: BatchItemResult[] = new Array(events.length);
    const valid: PreparedEvent[] = [];
    const positions: number[] = [];
    let rejected = 0;
    for (let index = 0; index < events.length; index++) {
      const preparation = prepareJsonEvent(type, schema.type, events[index], partitions, traceId, bounds);
      if (preparation.ok) {
        valid.push(preparation.event);
        positions.push(index);
      } else {
        ingestMetrics.rejected.inc({ reason: preparation.error.errorCode });
        results[index] = failedItem(index, events[index], preparation.error);
        rejected++;
      }
    }
    let accepted = 0;
    let duplicates = 0;
    let failure: PlatformError | undefined;
    if (valid.length > 0) {
      const keys = valid.map((event) => idempotencyKey(type, event.eventId));
      const outcomes = await this.idempotency.runMany(keys, (indices) => this.writeMany(type, schema, valid, indices));
      for (let n = 0; n < outcomes.length; n++) {
        const outcome = outcomes[n];
        const index = positions[n];
        if (isFailure(outcome)) {
          const error =
            outcome.error instanceof PlatformError
              ? outcome.error
              : new PlatformError(503, 'SERVICE_UNAVAILABLE', 'the event was not written', null, 1);
          failure ??= error;
          results[index] = failedItem(index, events[index], error);
        } else if (outcome.duplicate) {
          duplicates++;
          results[index] = { index, ...outcome.result, duplicate: true };
        } else {
          accepted++;
          results[index] = { index, ...outcome.result };
        }
      }
    }
    if (accepted > 0) topicMetricsFor(type.topic).published.inc(accepted);
    if (duplicates > 0) topicMetricsFor(type.topic).duplicates.inc(duplicates);
    return { results, accepted, duplicates, rejected, failure };
  }

  /** Encodes and sends `valid[indices]`; one stored result or error per index, in order. */
  private async writeMany(
    type: EventTypeSpec,
    schema: RegisteredSchema,
    valid: PreparedEvent[],
    indices: number[],
  ): Promise<Array<StoredResult | { error: unknown }>> {
    const values = this.schemas.catalog.encodeMany(
      schema,
      indices.map((i) => valid[i].value),
    );
    const records = indices.map((i, n) => outgoing(type, valid[i], values[n]));
    const acks = await this.publisher.sendMany(records);
    return acks.map((ack, n) => {
      const event = valid[indices[n]];
      if (ack instanceof UnacknowledgedWrite) return { error: ack.map((late) => storedResult(event, late)) };
      return ack instanceof PlatformError ? { error: ack } : storedResult(event, ack);
    });
  }

  private accept(preparation: Preparation): PreparedEvent {
    if (!preparation.ok) throw this.rejected(preparation.error);
    return preparation.event;
  }

  private rejected(error: PlatformError): PlatformError {
    ingestMetrics.rejected.inc({ reason: error.errorCode });
    return error;
  }

  private async write(type: EventTypeSpec, event: PreparedEvent, encode: () => Buffer): Promise<IdempotentOutcome> {
    const outcome = await this.idempotency.run(idempotencyKey(type, event.eventId), async () => {
      try {
        return storedResult(event, await this.publisher.send(outgoing(type, event, encode())));
      } catch (error) {
        throw error instanceof UnacknowledgedWrite ? error.map((late) => storedResult(event, late)) : error;
      }
    });
    const metrics = topicMetricsFor(type.topic);
    if (outcome.duplicate) metrics.duplicates.inc();
    else metrics.published.inc();
    return outcome;
  }

  get batchLimits(): { maxEvents: number; maxBytes: number } {
    return { maxEvents: this.config.batchMaxEvents, maxBytes: this.config.batchMaxBytes };
  }
}

function idempotencyKey(type: EventTypeSpec, eventId: string): string {
  return `${type.topic}\u0000${eventId}`;
}

function outgoing(type: EventTypeSpec, event: PreparedEvent, value: Buffer): OutgoingRecord {
  return {
    topic: type.topic,
    partition: event.partition,
    key: event.key,
    value,
    headers: { [HEADERS.traceId]: event.traceId, [HEADERS.eventId]: event.eventId, [HEADERS.eventType]: event.eventType },
  };
}

function storedResult(event: PreparedEvent, ack: RecordAck): StoredResult {
  return {
    status: 'published',
    event_id: event.eventId,
    topic: ack.topic,
    partition: ack.partition,
    offset: Number(ack.offset),
    timestamp: new Date(event.timestampMs).toISOString(),
  };
}

/** A batch slot for an event that was not written; the event id is echoed when it is a string. */
function failedItem(index: number, input: unknown, error: PlatformError): BatchItemResult {
  const eventId = (input as { event_id?: unknown } | null)?.event_id;
  return {
    index,
    status: 'rejected',
    event_id: typeof eventId === 'string' ? eventId.slice(0, 256) : null,
    error_code: error.errorCode,
    message: error.message,
    details: error.details,
  };
}
