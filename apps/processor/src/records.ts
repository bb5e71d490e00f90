/**
 * The records between the processor's stages, and from the engine to Kafka. Pure mapping:
 * - a repartition record carries one validated event (the fields the windows need) or a
 *   watermark marker (`__wm`) saying how far in event time a source partition has got;
 * - an engine result becomes the aggregated Avro record.
 */
import { AggregatedRecord, EventEnvelope } from '@platform/contracts';
import { compileFieldReader, FieldReader, PartitionTime, WindowEvent, WindowResult } from '@platform/windowing';
import { EventTypeSpec } from '@platform/config';

export const MARKER_KEY = '__wm';

/** Compact JSON value of a repartition record that carries an event. */
export interface RepartitionEvent {
  id: string;
  type: string;
  ts: number;
  user?: string | null;
  device?: string | null;
  /** The value field and enriched fields only; the group key is already computed. */
  payload: Record<string, unknown>;
  group: string;
  /** Source partition, `topic-partition`: watermarks are tracked per source. */
  src: string;
}

export interface MarkerValue {
  source: string;
  maxEventTime: number;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = (path.startsWith('payload.') ? path.slice(8) : path).split('.');
  let at = target;
  for (const part of parts.slice(0, -1)) at = (at[part] ??= {}) as Record<string, unknown>;
  at[parts[parts.length - 1]] = value;
}

function getPath(source: unknown, path: string): unknown {
  let at = source;
  for (const part of (path.startsWith('payload.') ? path.slice(8) : path).split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

/** Builds repartition values for one event type; the group key uses the engine's own field reader. */
export class RepartitionMapper {
  private readonly reader: FieldReader;

  constructor(private readonly spec: EventTypeSpec) {
    this.reader = compileFieldReader({ valueField: spec.valueField, groupBy: spec.groupBy });
  }

  toRepartition(envelope: EventEnvelope, enriched: Record<string, unknown>, source: string): RepartitionEvent {
    const payload: Record<string, unknown> = { ...enriched };
    if (this.spec.valueField) {
      const value = getPath(envelope.payload, this.spec.valueField);
      if (value !== undefined && value !== null) setPath(payload, this.spec.valueField, typeof value === 'bigint' ? Number(value) : value);
    }
    const probe: WindowEvent = {
      eventId: envelope.event_id,
      eventType: envelope.event_type,
      timestamp: envelope.timestamp,
      userId: envelope.user_id ?? null,
      deviceId: envelope.device_id ?? null,
      payload: { ...envelope.payload, ...enriched },
    };
    return {
      id: envelope.event_id,
      type: envelope.event_type,
      ts: Number(envelope.timestamp),
      user: envelope.user_id ?? null,
      device: envelope.device_id ?? null,
      payload,
      group: this.reader.groupKey(probe),
      src: source,
    };
  }
}

/** Repartition key: every event of one (type, group) goes to the same stage B task. */
export function repartitionKey(event: Pick<RepartitionEvent, 'type' | 'group'>): string {
  return `${event.type}|${event.group}`;
}

export type EngineInput = { kind: 'event'; event: WindowEvent } | { kind: 'marker'; time: PartitionTime } | { kind: 'invalid'; reason: string };

/** Reads one repartition record back into what the engine takes. */
export function fromRepartition(key: string | null, value: Buffer | null): EngineInput {
  if (value === null) return { kind: 'invalid', reason: 'repartition record without a value' };
  let parsed: any;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    return { kind: 'invalid', reason: 'repartition record is not JSON' };
  }
  if (key === MARKER_KEY) {
    if (typeof parsed?.source !== 'string' || typeof parsed?.maxEventTime !== 'number') return { kind: 'invalid', reason: 'malformed watermark marker' };
    return { kind: 'marker', time: { partition: parsed.source, eventTime: parsed.maxEventTime } };
  }
  if (typeof parsed?.id !== 'string' || typeof parsed?.type !== 'string' || typeof parsed?.src !== 'string') return { kind: 'invalid', reason: 'malformed repartition event' };
  return {
    kind: 'event',
    event: {
      eventId: parsed.id,
      eventType: parsed.type,
      timestamp: parsed.ts,
      userId: parsed.user ?? null,
      deviceId: parsed.device ?? null,
      payload: parsed.payload ?? {},
      groupKey: typeof parsed.group === 'string' ? parsed.group : '',
      partition: parsed.src,
    },
  };
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
