import { readFileSync } from 'fs';
import { join } from 'path';
import { EventTypeSpec } from '@platform/runtime';
import { PlatformError } from '@platform/contracts';
import { parseAvroSchema } from '@platform/schema';
import { checkDecodedEvent, EventTimeBounds, MAX_TIMESTAMP_MS, prepareJsonEvent } from './event-preparation';

/** No future skew or age bound: these cases are about the other checks (bounds are tested below). */
const UNBOUNDED: EventTimeBounds = { nowMs: 0, maxFutureSkewMs: Number.POSITIVE_INFINITY, maxAgeMs: 0 };

const clickstream = { name: 'clickstream', topic: 'events.clickstream', partitionKey: 'user_id', partitions: 6 } as EventTypeSpec;
const avroType = parseAvroSchema(readFileSync(join(__dirname, '../../../../schemas/clickstream.avsc'), 'utf8'));

function event(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: 'evt-1',
    timestamp: '2026-03-03T14:00:00.000Z',
    event_type: 'clickstream',
    user_id: 'user-2',
    payload: { page: '/home', action: 'view' },
    ...overrides,
  };
}

function rejection(result: ReturnType<typeof prepareJsonEvent>): PlatformError {
  if (result.ok) throw new Error('expected a rejection');
  return result.error;
}

describe('prepareJsonEvent', () => {
  it('validates, fills defaults, converts the ISO time and picks the partition of the key', () => {
    const result = prepareJsonEvent(clickstream, avroType, event(), 6, () => 'trace-generated', UNBOUNDED);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    // user-2 goes to partition 2 of 6 by Kafka's Java client (libs/kafka/src/partitioner.fixture.json).
    expect({ ...result.event, value: undefined }).toEqual({
      eventId: 'evt-1',
      eventType: 'clickstream',
      traceId: 'trace-generated',
      key: 'user-2',
      partition: 2,
      timestampMs: 1_772_546_400_000,
      value: undefined,
    });
    expect(result.event.value).toMatchObject({
      event_id: 'evt-1',
      timestamp: 1_772_546_400_000,
      trace_id: 'trace-generated',
      device_id: null,
      metadata: null,
      payload: { page: '/home', action: 'view', element: null },
    });
  });

  it('generates a trace id for an event whose trace_id is null', () => {
    const result = prepareJsonEvent(clickstream, avroType, event({ trace_id: null }), 6, () => 'trace-generated', UNBOUNDED);
    expect(result.ok && result.event.traceId).toBe('trace-generated');
  });

  it("keeps the event's own trace id", () => {
    const result = prepareJsonEvent(clickstream, avroType, event({ trace_id: 'trace-own' }), 6, () => 'trace-generated', UNBOUNDED);
    expect(result.ok && result.event.traceId).toBe('trace-own');
  });

  it('refuses what is not a JSON object', () => {
    for (const input of [null, [], 'x', 5, undefined]) {
      expect(rejection(prepareJsonEvent(clickstream, avroType, input, 6, () => 't', UNBOUNDED))).toMatchObject({
        status: 400,
        errorCode: 'INVALID_EVENT',
        message: 'an event must be a JSON object',
      });
    }
  });

  it('refuses a schema mismatch, listing at most 20 problems and counting all', () => {
    const error = rejection(
      prepareJsonEvent(clickstream, avroType, event({ payload: { page: 5, action: 'fly' } }), 6, () => 't', UNBOUNDED),
    );
    expect(error).toMatchObject({
      status: 400,
      errorCode: 'SCHEMA_VALIDATION_FAILED',
      message: 'event does not match the clickstream schema',
    });
    expect(error.details!.problem_count).toBe(2);
    const many: Record<string, unknown> = event();
    for (let i = 0; i < 25; i++) many[`extra_${i}`] = i;
    const tooMany = rejection(prepareJsonEvent(clickstream, avroType, many, 6, () => 't', UNBOUNDED));
    expect(tooMany.details!.problem_count).toBe(25);
    expect(tooMany.details!.problems).toHaveLength(20);
  });
});

describe('checkDecodedEvent', () => {
  const valid = { event_id: 'e', event_type: 'clickstream', trace_id: 't', user_id: 'MSFT', timestamp: 0 };
  const code = (value: Record<string, unknown>) => {
    const result = checkDecodedEvent(clickstream, value, 6, UNBOUNDED);
    return result.ok ? 'ok' : result.error.errorCode;
  };

  it('routes only the event type of the topic, naming both', () => {
    const result = checkDecodedEvent(clickstream, { ...valid, event_type: 'transaction' }, 6, UNBOUNDED);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({
      errorCode: 'EVENT_TYPE_MISMATCH',
      message: 'event_type must be "clickstream" on topic events.clickstream',
      details: { expected: 'clickstream', got: 'transaction' },
    });
    const long = checkDecodedEvent(clickstream, { ...valid, event_type: 'x'.repeat(300) }, 6, UNBOUNDED);
    expect(!long.ok && long.error.details).toEqual({ expected: 'clickstream', got: 'x'.repeat(256) });
    const missing = checkDecodedEvent(clickstream, { ...valid, event_type: 7 }, 6, UNBOUNDED);
    expect(!missing.ok && missing.error.details).toEqual({ expected: 'clickstream', got: null });
  });

  it('needs an event id and a trace id of 1 to 256 characters', () => {
    expect(code({ ...valid, event_id: '' })).toBe('INVALID_EVENT_ID');
    expect(code({ ...valid, event_id: 'x'.repeat(257) })).toBe('INVALID_EVENT_ID');
    expect(code({ ...valid, event_id: 5 })).toBe('INVALID_EVENT_ID');
    expect(code({ ...valid, event_id: 'x'.repeat(256) })).toBe('ok');
    expect(code({ ...valid, trace_id: '' })).toBe('INVALID_TRACE_ID');
    expect(code({ ...valid, trace_id: 'x'.repeat(257) })).toBe('INVALID_TRACE_ID');
    expect(code({ ...valid, trace_id: null })).toBe('INVALID_TRACE_ID');
    expect(code({ ...valid, trace_id: 'x'.repeat(256) })).toBe('ok');
    const result = checkDecodedEvent(clickstream, { ...valid, event_id: '' }, 6, UNBOUNDED);
    expect(!result.ok && result.error.message).toBe('event_id must be a non-empty string of at most 256 characters');
    const trace = checkDecodedEvent(clickstream, { ...valid, trace_id: '' }, 6, UNBOUNDED);
    expect(!trace.ok && trace.error.message).toBe('trace_id must be a non-empty string of at most 256 characters');
  });

  it('needs the partition key the pipeline names', () => {
    const result = checkDecodedEvent(clickstream, { ...valid, user_id: '' }, 6, UNBOUNDED);
    expect(!result.ok && result.error).toMatchObject({
      errorCode: 'MISSING_PARTITION_KEY',
      message: 'user_id is required on topic events.clickstream (it is the partition key)',
      details: { field: 'user_id' },
    });
    expect(code({ ...valid, user_id: null })).toBe('MISSING_PARTITION_KEY');
  });

  it('needs a timestamp from 1970 to the end of 9999', () => {
    expect(code({ ...valid, timestamp: -1 })).toBe('INVALID_TIMESTAMP');
    expect(code({ ...valid, timestamp: MAX_TIMESTAMP_MS + 1 })).toBe('INVALID_TIMESTAMP');
    expect(code({ ...valid, timestamp: Number.NaN })).toBe('INVALID_TIMESTAMP');
    expect(code({ ...valid, timestamp: '0' })).toBe('INVALID_TIMESTAMP');
    expect(code({ ...valid, timestamp: 253_402_300_799_999 })).toBe('ok');
    const result = checkDecodedEvent(clickstream, { ...valid, timestamp: -1 }, 6, UNBOUNDED);
    expect(!result.ok && result.error.message).toBe('timestamp must be epoch ms (or ISO-8601) between 1970 and 9999');
  });

  it('gives the partition Kafka would, for the partition count of the topic', () => {
    // MSFT: partition 0 of 6 and 5 of 7 by Kafka's Java client.
    const six = checkDecodedEvent(clickstream, valid, 6, UNBOUNDED);
    const seven = checkDecodedEvent(clickstream, valid, 7, UNBOUNDED);
    expect([six.ok && six.event.partition, seven.ok && seven.event.partition]).toEqual([0, 5]);
  });
});

const iotSensor = { name: 'iot.sensor', topic: 'events.iot.sensor', partitionKey: 'device_id' } as EventTypeSpec;
const NOW = Date.UTC(2026, 0, 15, 12);
const bounds: EventTimeBounds = { nowMs: NOW, maxFutureSkewMs: 5 * 60_000, maxAgeMs: 0 };
const sensorEvent = (timestamp: number) => ({
  event_id: 'e1',
  event_type: 'iot.sensor',
  trace_id: 't1',
  device_id: 'd1',
  timestamp,
  payload: {},
});

describe('event time bounds', () => {
  it('accepts event times up to the future skew ahead of the clock, and any age without a maximum age', () => {
    expect(checkDecodedEvent(iotSensor, sensorEvent(NOW + 5 * 60_000), 3, bounds).ok).toBe(true);
    expect(checkDecodedEvent(iotSensor, sensorEvent(0), 3, bounds).ok).toBe(true);
  });

  it('refuses an event time beyond the future skew with an error naming the bound', () => {
    const result = checkDecodedEvent(iotSensor, sensorEvent(NOW + 5 * 60_000 + 1), 3, bounds);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({
      status: 400,
      errorCode: 'TIMESTAMP_TOO_FAR_IN_FUTURE',
      details: { max_future_skew_ms: 300_000, server_time: NOW },
    });
    expect(result.error.message).toMatch(/EVENT_TIME_MAX_FUTURE_SKEW/);
    // Year 9999, the case that moved the watermark years ahead.
    expect(checkDecodedEvent(iotSensor, sensorEvent(Date.UTC(9999, 0, 1)), 3, bounds)).toMatchObject({
      ok: false,
      error: { errorCode: 'TIMESTAMP_TOO_FAR_IN_FUTURE' },
    });
  });

  it('refuses an event time older than the maximum age when one is set', () => {
    const aged = { ...bounds, maxAgeMs: 7 * 86_400_000 };
    expect(checkDecodedEvent(iotSensor, sensorEvent(NOW - 7 * 86_400_000), 3, aged).ok).toBe(true);
    expect(checkDecodedEvent(iotSensor, sensorEvent(NOW - 7 * 86_400_000 - 1), 3, aged)).toMatchObject({
      ok: false,
      error: { errorCode: 'TIMESTAMP_TOO_OLD', details: { max_age_ms: 604_800_000 } },
    });
  });
});
