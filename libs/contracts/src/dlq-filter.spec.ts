import fc from 'fast-check';
import { DlqRecord } from './dlq';
import { entryId, matchesFilter, parseEntryId, parseTimeBound } from './dlq-filter';

const record = (over: Partial<DlqRecord> = {}): DlqRecord => ({
  original_message: '',
  original_key: null,
  original_headers: {},
  error_type: 'BUSINESS_RULE',
  error_message: 'amount must be > 0',
  retry_count: 0,
  first_attempt_time: '2026-01-01T00:00:00.000Z',
  last_attempt_time: '2026-01-01T00:00:00.000Z',
  source_topic: 'events.transaction',
  source_partition: 0,
  source_offset: '5',
  event_id: 'e1',
  trace_id: null,
  failed_in: 'processor',
  ...over,
});

describe('DLQ filter', () => {
  it('matches on each criterion and on all of them together', () => {
    const r = record();
    expect(matchesFilter(r, {})).toBe(true);
    expect(matchesFilter(r, { errorType: 'BUSINESS_RULE' })).toBe(true);
    expect(matchesFilter(r, { errorType: 'LATE' })).toBe(false);
    expect(matchesFilter(r, { sourceTopic: 'events.clickstream' })).toBe(false);
    expect(matchesFilter(r, { eventId: 'e2' })).toBe(false);
    expect(matchesFilter(r, { since: Date.parse('2026-01-01T00:00:00.001Z') })).toBe(false);
    expect(matchesFilter(r, { until: Date.parse('2025-12-31T23:59:59Z') })).toBe(false);
    expect(matchesFilter(r, { errorType: 'BUSINESS_RULE', sourceTopic: 'events.transaction', eventId: 'e1', since: 0, until: Date.parse('2027-01-01') })).toBe(true);
  });

  it('keeps exactly the records inside a time range', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1e12 }), { maxLength: 50 }), fc.integer({ min: 0, max: 1e12 }), fc.integer({ min: 0, max: 1e12 }), (times, a, b) => {
        const [since, until] = [Math.min(a, b), Math.max(a, b)];
        const kept = times.filter((t) => matchesFilter(record({ last_attempt_time: new Date(t).toISOString() }), { since, until }));
        expect(kept).toEqual(times.filter((t) => t >= since && t <= until));
      }),
    );
  });

  it('round-trips record ids and rejects malformed ones', () => {
    expect(parseEntryId(entryId({ dlqPartition: 2, dlqOffset: '991' }))).toEqual({ partition: 2, offset: '991' });
    expect(() => parseEntryId('2-991')).toThrow(/not a DLQ record id/);
    expect(parseTimeBound('2026-01-01T00:00:00Z', 'since')).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(parseTimeBound('1700000000000', 'since')).toBe(1700000000000);
    expect(() => parseTimeBound('yesterday', 'since')).toThrow(/since must be/);
  });

  it('names a record by partition:offset, and reads only that shape back (surrounding blanks allowed)', () => {
    expect(entryId({ dlqPartition: 12, dlqOffset: '991' })).toBe('12:991');
    expect(parseEntryId(' 12:991 ')).toEqual({ partition: 12, offset: '991' });
    for (const bad of ['x2:991', '2:991x', '2:', ':5', 'a:b', '2:9 1']) expect(() => parseEntryId(bad)).toThrow(`"${bad}" is not a DLQ record id (partition:offset)`);
  });

  it('reads an absent or empty time bound as none, and refuses one that is not a finite time', () => {
    expect(parseTimeBound(undefined, 'since')).toBeUndefined();
    expect(parseTimeBound('', 'since')).toBeUndefined();
    expect(parseTimeBound('0', 'until')).toBe(0);
    expect(() => parseTimeBound('Infinity', 'until')).toThrow('until must be an ISO-8601 time or epoch milliseconds, got "Infinity"');
  });

  it('matches a record on each criterion it meets, one at a time', () => {
    const r = record({ last_attempt_time: '2026-01-01T00:00:00.000Z' });
    const at = Date.parse('2026-01-01T00:00:00.000Z');
    expect(matchesFilter(r, { sourceTopic: 'events.transaction' })).toBe(true);
    expect(matchesFilter(r, { eventId: 'e1' })).toBe(true);
    expect(matchesFilter(r, { since: at })).toBe(true);
    expect(matchesFilter(r, { until: at })).toBe(true);
    expect(matchesFilter(record({ last_attempt_time: 'not a time' }), { since: 0 })).toBe(false);
    expect(matchesFilter(record({ last_attempt_time: 'not a time' }), { until: Date.parse('2027-01-01') })).toBe(false);
  });
});
