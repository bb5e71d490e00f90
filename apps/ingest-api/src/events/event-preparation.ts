/**
 * Turns a JSON event into the record to write, or a 400 explaining why not. The Avro schema is
 * the request's DTO: validateAgainst checks types, required fields and unknown fields, fills
 * defaults and turns ISO-8601 times into epoch ms. Then the routing rule (event_type must be the
 * type the pipeline maps to this topic), the event id, and the partition key the pipeline names.
 * Pure: no I/O.
 */
import type { Type } from 'avsc';
import { EventTypeSpec } from '@platform/runtime';
import { PlatformError } from '@platform/contracts';
import { partitionForKey } from '@platform/kafka';
import { validateAgainst } from '@platform/schema';

export const MAX_ID_LENGTH = 256;
/** 9999-12-31T23:59:59.999Z: later times cannot be written as ISO-8601. */
export const MAX_TIMESTAMP_MS = 253_402_300_799_999;
const MAX_PROBLEMS_REPORTED = 20;

export interface PreparedEvent {
  eventId: string;
  eventType: string;
  traceId: string;
  key: string;
  partition: number;
  timestampMs: number;
  /** The validated value in avsc form (ready to encode). */
  value: Record<string, unknown>;
}

/** How far event time may be from the receiving clock: ahead by at most `maxFutureSkewMs`, behind by at most `maxAgeMs` (0: no limit). */
export interface EventTimeBounds {
  nowMs: number;
  maxFutureSkewMs: number;
  maxAgeMs: number;
}

export type Preparation = { ok: true; event: PreparedEvent } | { ok: false; error: PlatformError };

function reject(errorCode: string, message: string, details: Record<string, unknown> | null = null): Preparation {
  return { ok: false, error: new PlatformError(400, errorCode, message, details) };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the parts every event needs after its schema matched: routing, id, trace id, partition key. */
export function checkDecodedEvent(
  type: EventTypeSpec,
  value: Record<string, unknown>,
  partitions: number,
  bounds: EventTimeBounds,
): Preparation {
  if (value.event_type !== type.name) {
    return reject('EVENT_TYPE_MISMATCH', `event_type must be "${type.name}" on topic ${type.topic}`, {
      expected: type.name,
      got: typeof value.event_type === 'string' ? value.event_type.slice(0, MAX_ID_LENGTH) : null,
    });
  }
  const eventId = value.event_id;
  if (typeof eventId !== 'string' || eventId.length === 0 || eventId.length > MAX_ID_LENGTH) {
    return reject('INVALID_EVENT_ID', `event_id must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  }
  const traceId = value.trace_id;
  if (typeof traceId !== 'string' || traceId.length === 0 || traceId.length > MAX_ID_LENGTH) {
    return reject('INVALID_TRACE_ID', `trace_id must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  }
  const key = value[type.partitionKey];
  if (typeof key !== 'string' || key.length === 0) {
    return reject('MISSING_PARTITION_KEY', `${type.partitionKey} is required on topic ${type.topic} (it is the partition key)`, {
      field: type.partitionKey,
    });
  }
  const timestampMs = value.timestamp;
  if (typeof timestampMs !== 'number' || !(timestampMs >= 0 && timestampMs <= MAX_TIMESTAMP_MS)) {
    return reject('INVALID_TIMESTAMP', 'timestamp must be epoch ms (or ISO-8601) between 1970 and 9999');
  }
  // One client's far-future events would push the watermark ahead and make everyone else's late.
  if (timestampMs > bounds.nowMs + bounds.maxFutureSkewMs) {
    return reject(
      'TIMESTAMP_TOO_FAR_IN_FUTURE',
      `timestamp is more than EVENT_TIME_MAX_FUTURE_SKEW (${bounds.maxFutureSkewMs} ms) ahead of the server clock`,
      { timestamp: timestampMs, server_time: bounds.nowMs, max_future_skew_ms: bounds.maxFutureSkewMs },
    );
  }
  if (bounds.maxAgeMs > 0 && timestampMs < bounds.nowMs - bounds.maxAgeMs) {
    return reject('TIMESTAMP_TOO_OLD', `timestamp is older than EVENT_TIME_MAX_AGE (${bounds.maxAgeMs} ms) before the server clock`, {
      timestamp: timestampMs,
      server_time: bounds.nowMs,
      max_age_ms: bounds.maxAgeMs,
    });
  }
  return {
    ok: true,
    event: { eventId, eventType: type.name, traceId, key, partition: partitionForKey(key, partitions), timestampMs, value },
  };
}

/**
 * Validates a JSON event. `traceId` is used when the event carries none (it comes from the
 * request's traceparent / x-trace-id header or is generated).
 */
export function prepareJsonEvent(
  type: EventTypeSpec,
  avroType: Type,
  input: unknown,
  partitions: number,
  traceId: () => string,
  bounds: EventTimeBounds,
): Preparation {
  if (!isPlainObject(input)) return reject('INVALID_EVENT', 'an event must be a JSON object');
  if (input.trace_id === undefined || input.trace_id === null) input.trace_id = traceId();
  const result = validateAgainst<Record<string, unknown>>(avroType, input);
  if (!result.ok) {
    return reject('SCHEMA_VALIDATION_FAILED', `event does not match the ${type.name} schema`, {
      problems: result.problems.slice(0, MAX_PROBLEMS_REPORTED),
      problem_count: result.problems.length,
    });
  }
  return checkDecodedEvent(type, result.value, partitions, bounds);
}
