import { EventTypeSpec } from '@platform/config';
import { checkDecodedEvent, EventTimeBounds } from './event-preparation';

const type = { name: 'iot.sensor', topic: 'events.iot.sensor', partitionKey: 'device_id' } as EventTypeSpec;
const NOW = Date.UTC(2026, 0, 15, 12);
const bounds: EventTimeBounds = { nowMs: NOW, maxFutureSkewMs: 5 * 60_000, maxAgeMs: 0 };
const event = (timestamp: number) => ({ event_id: 'e1', event_type: 'iot.sensor', trace_id: 't1', device_id: 'd1', timestamp, payload: {} });

describe('event time bounds', () => {
  it('accepts event times up to the future skew ahead of the clock, and any age without a maximum age', () => {
    expect(checkDecodedEvent(type, event(NOW + 5 * 60_000), 3, bounds).ok).toBe(true);
    expect(checkDecodedEvent(type, event(0), 3, bounds).ok).toBe(true);
  });

  it('refuses an event time beyond the future skew with an error naming the bound', () => {
    const result = checkDecodedEvent(type, event(NOW + 5 * 60_000 + 1), 3, bounds);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ status: 400, errorCode: 'TIMESTAMP_TOO_FAR_IN_FUTURE', details: { max_future_skew_ms: 300_000, server_time: NOW } });
    expect(result.error.message).toMatch(/EVENT_TIME_MAX_FUTURE_SKEW/);
    // Year 9999, the case that moved the watermark years ahead.
    expect(checkDecodedEvent(type, event(Date.UTC(9999, 0, 1)), 3, bounds)).toMatchObject({ ok: false, error: { errorCode: 'TIMESTAMP_TOO_FAR_IN_FUTURE' } });
  });

  it('refuses an event time older than the maximum age when one is set', () => {
    const aged = { ...bounds, maxAgeMs: 7 * 86_400_000 };
    expect(checkDecodedEvent(type, event(NOW - 7 * 86_400_000), 3, aged).ok).toBe(true);
    expect(checkDecodedEvent(type, event(NOW - 7 * 86_400_000 - 1), 3, aged)).toMatchObject({ ok: false, error: { errorCode: 'TIMESTAMP_TOO_OLD', details: { max_age_ms: 604_800_000 } } });
  });
});
