/**
 * Pure mapping around the engine: a validated envelope becomes the engine's input (only the
 * fields the windows need, group key computed with the engine's own field reader, so stage A can
 * key the repartition record by it); an engine result becomes the aggregated Avro record.
 * The repartition wire format itself is in processing/repartition.ts.
 */
import { AggregatedRecord, EventEnvelope } from '@platform/contracts';
import { compileFieldReader, FieldReader, readPath, WindowEvent, WindowResult } from '@platform/windowing';
import { EventTypeSpec } from '@platform/runtime';

function setPath(target: Record<string, unknown>, parts: readonly string[], value: unknown): void {
  let at = target;
  for (let i = 0; i < parts.length - 1; i++) at = (at[parts[i]] ??= {}) as Record<string, unknown>;
  at[parts[parts.length - 1]] = value;
}

function hasFields(o: Record<string, unknown>): boolean {
  for (const _ in o) return true;
  return false;
}

/** Maps one event type's envelopes to engine input; the group key uses the engine's own field reader. */
export class RepartitionMapper {
  private readonly reader: FieldReader;
  /** The value field's path inside the payload (parsed once, not per event). */
  private readonly valuePath: readonly string[] | undefined;

  constructor(spec: EventTypeSpec) {
    this.reader = compileFieldReader({ valueField: spec.valueField, groupBy: spec.groupBy });
    this.valuePath = spec.valueField ? spec.valueField.replace(/^payload\./, '').split('.') : undefined;
  }

  /** The engine input for a valid event: the value field and enriched fields only, group key precomputed. */
  toWindowEvent(envelope: EventEnvelope, enriched: Record<string, unknown>, source: string): WindowEvent {
    const payload: Record<string, unknown> = { ...enriched };
    if (this.valuePath) {
      const value = readPath(envelope.payload, this.valuePath);
      if (value !== undefined && value !== null) setPath(payload, this.valuePath, typeof value === 'bigint' ? Number(value) : value);
    }
    const probe: WindowEvent = {
      eventId: envelope.event_id,
      eventType: envelope.event_type,
      timestamp: envelope.timestamp,
      userId: envelope.user_id ?? null,
      deviceId: envelope.device_id ?? null,
      // The group key may name an enriched field; without enrichment the payload is read as it is.
      payload: hasFields(enriched) ? { ...envelope.payload, ...enriched } : envelope.payload,
    };
    return {
      eventId: probe.eventId,
      eventType: probe.eventType,
      timestamp: Number(envelope.timestamp),
      userId: probe.userId,
      deviceId: probe.deviceId,
      payload,
      groupKey: this.reader.groupKey(probe),
      partition: source,
    };
  }
}

export function toAggregatedRecord(result: WindowResult, processedTime: number): AggregatedRecord {
  return {
    window_start: result.windowStart,
    window_end: result.windowEnd,
    window_name: result.windowName,
    window_kind: result.windowKind,
    event_type: result.eventType,
    group_key: result.groupKey,
    count: result.count,
    sum_value: result.sum,
    avg_value: result.avg,
    min_value: result.min,
    max_value: result.max,
    distinct_users: result.distinctUsers,
    version: result.version,
    is_final: result.final,
    processed_time: processedTime,
    retracted: result.retracted,
  };
}
