/**
 * Stage A's decision for one source record: decode it (Confluent framing, schema by registry id),
 * check it is the topic's event type and passes the pipeline's business rules, enrich it from
 * the reference tables, and map it to its repartition record; or say why it goes to the DLQ.
 */
import { EventTypeSpec } from '@platform/runtime';
import { DlqErrorType, EventEnvelope } from '@platform/contracts';
import { brokenRule, ReferenceTable } from '../processing';
import { RegistryUnavailableError, SchemaCatalog } from '@platform/schema';
import { WindowEvent } from '@platform/windowing';
import { RepartitionMapper } from '../records';

export type Decision =
  | { kind: 'event'; event: WindowEvent; traceId: string | null }
  | { kind: 'dlq'; type: DlqErrorType; message: string; eventId: string | null; traceId: string | null; eventTime: number };

/** ISO-8601 where a Date can hold the time (±8.64e15 ms), else the epoch ms. */
function describeTime(ms: number): string {
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${ms} ms`;
}

export class RecordValidator {
  private readonly mapper: RepartitionMapper;

  constructor(
    private readonly spec: EventTypeSpec,
    private readonly catalog: SchemaCatalog,
    private readonly reference: ReferenceTable,
    /** Event times further ahead of `now()` go to the DLQ and never reach a watermark. */
    private readonly maxFutureSkewMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.mapper = new RepartitionMapper(spec);
  }

  async decide(value: Buffer | null, source: string): Promise<Decision> {
    const decoded = await this.catalog.decode<EventEnvelope>(value);
    // A registry that is down is not the record's fault: fail the batch so it is retried.
    if (decoded.kind === 'unavailable') throw new RegistryUnavailableError(decoded.reason, decoded.schemaId);
    if (decoded.kind === 'poison')
      return { kind: 'dlq', type: 'DESERIALIZATION', message: decoded.reason, eventId: null, traceId: null, eventTime: NaN };
    const envelope = decoded.value;
    const eventId = typeof envelope.event_id === 'string' && envelope.event_id.length > 0 ? envelope.event_id : null;
    const traceId = envelope.trace_id ?? null;
    const eventTime = Number(envelope.timestamp);
    if (envelope.event_type !== this.spec.name) {
      return {
        kind: 'dlq',
        type: 'UNKNOWN_EVENT_TYPE',
        message: `event_type ${JSON.stringify(envelope.event_type)} does not belong on topic ${this.spec.topic} (expects ${this.spec.name})`,
        eventId,
        traceId,
        eventTime,
      };
    }
    if (!Number.isFinite(Number(envelope.timestamp))) {
      return { kind: 'dlq', type: 'SCHEMA_VALIDATION', message: 'timestamp is not a finite number', eventId, traceId, eventTime };
    }
    // Producers other than the API are not trusted either: one far-future event would carry every
    // watermark ahead and make everyone's events late.
    const now = this.now();
    if (Number(envelope.timestamp) > now + this.maxFutureSkewMs) {
      return {
        kind: 'dlq',
        type: 'EVENT_TIME_SKEW',
        message: `event time ${describeTime(Number(envelope.timestamp))} is more than EVENT_TIME_MAX_FUTURE_SKEW (${this.maxFutureSkewMs} ms) ahead of the processing time ${new Date(now).toISOString()}`,
        eventId,
        traceId,
        eventTime,
      };
    }
    const broken = brokenRule(this.spec.rules, envelope.payload, this.reference);
    if (broken) return { kind: 'dlq', type: 'BUSINESS_RULE', message: broken, eventId, traceId, eventTime };
    const enriched: Record<string, unknown> = {};
    if (this.spec.enrich.length > 0) {
      const copy = this.reference.enrich(envelope.payload, this.spec.enrich);
      for (const spec of this.spec.enrich) enriched[spec.into] = copy[spec.into];
    }
    return { kind: 'event', event: this.mapper.toWindowEvent(envelope, enriched, source), traceId };
  }
}
