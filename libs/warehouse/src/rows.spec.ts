import fc from 'fast-check';
import { AGGREGATED_EVENTS_COLUMNS, RAW_EVENTS_COLUMNS } from './columns';
import { mapAggregate, mapRawEvent, RowMappingError } from './rows';

const origin = { topic: 'events.iot.sensor', partition: 2, offset: 41, timestamp: 1_700_000_000_123, schemaId: 7 };

const envelopeArb = fc.record({
  event_id: fc.string({ minLength: 1, maxLength: 40 }),
  timestamp: fc.integer({ min: 0, max: 4_000_000_000_000 }),
  event_type: fc.constantFrom('iot.sensor', 'clickstream', 'transaction'),
  user_id: fc.option(fc.string({ maxLength: 20 }), { nil: null }),
  device_id: fc.option(fc.string({ maxLength: 20 }), { nil: null }),
  trace_id: fc.option(fc.uuid(), { nil: null }),
  metadata: fc.option(fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })), { nil: null }),
  payload: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 10 }), fc.constant(null))),
});

describe('row mapping (seed 003 property 14)', () => {
  it('every event becomes a row with every required column, values intact', () => {
    fc.assert(
      fc.property(envelopeArb, (event) => {
        const { row, table, eventTime } = mapRawEvent(event, origin);
        expect(table).toBe('raw.events');
        for (const column of RAW_EVENTS_COLUMNS) {
          expect(column.name in row).toBe(true);
          if (!column.nullable) expect(row[column.name]).not.toBeNull();
        }
        expect(row.event_id).toBe(event.event_id);
        expect(row.timestamp).toBe(event.timestamp);
        expect(eventTime).toBe(event.timestamp);
        expect(JSON.parse(row.payload as string)).toEqual(JSON.parse(JSON.stringify(event.payload)));
        expect(row.metadata === null ? null : JSON.parse(row.metadata as string)).toEqual(event.metadata);
        expect([row.topic, row.partition, row.offset, row.schema_id, row.ingestion_time]).toEqual([origin.topic, origin.partition, origin.offset, origin.schemaId, origin.timestamp]);
      }),
    );
  });

  it('fills extra columns from the matching fields, converting to an existing column type', () => {
    const event = { event_id: 'e', timestamp: 5, event_type: 'x', payload: {}, region: 'eu', level: 3 };
    const extras = [
      { field: 'region', name: 'region', type: 'string' as const, nullable: true },
      { field: 'level', name: 'level', type: 'integer' as const, nullable: true },
      { field: 'missing', name: 'missing', type: 'string' as const, nullable: true },
    ];
    const { row } = mapRawEvent(event, origin, extras, new Map([['level', 'string' as const]]));
    expect([row.region, row.level, row.missing]).toEqual(['eu', '3', null]);
  });

  it('rejects a record without a required field, naming it', () => {
    expect(() => mapRawEvent({ timestamp: 1, event_type: 'x', payload: {} }, origin)).toThrow(new RowMappingError('field event_id is missing or not a string'));
    expect(() => mapRawEvent({ event_id: 'e', timestamp: 1, event_type: 'x' }, origin)).toThrow(/payload/);
    expect(() => mapAggregate({ window_start: 1 }, origin)).toThrow(RowMappingError);
  });

  it('maps an aggregate to every aggregated_events column, keyed by window start for the lake', () => {
    const value = {
      window_start: 60_000,
      window_end: 120_000,
      window_name: 'tumbling_1m',
      window_kind: 'tumbling',
      event_type: 'iot.sensor',
      group_key: '',
      count: 3,
      sum_value: null,
      avg_value: 2,
      min_value: 1,
      max_value: 3,
      distinct_users: 2,
      version: 4,
      is_final: false,
      processed_time: 130_000,
    };
    const { row, eventTime, table } = mapAggregate(value, origin);
    expect(table).toBe('analytics.aggregated_events');
    expect(eventTime).toBe(60_000);
    for (const column of AGGREGATED_EVENTS_COLUMNS) expect(column.name in row).toBe(true);
    expect(row).toMatchObject({ ...value, topic: origin.topic, partition: 2, offset: 41, schema_id: 7 });
  });
});

describe('row mapping, field by field', () => {
  const event = { event_id: 'e', timestamp: 1_000.9, event_type: 'x', payload: { a: 1 } };
  const aggregate = {
    window_start: 60_000.7,
    window_end: 120_000.2,
    window_name: 'w',
    window_kind: 'tumbling',
    event_type: 'x',
    group_key: 'g',
    count: 3.9,
    distinct_users: 2.5,
    version: 4.1,
    processed_time: 130_000.8,
  };
  const fractional = { ...origin, timestamp: 1_700_000_000_123.6 };

  it('raw events: timestamps truncated to milliseconds, optional fields null or text, bigint timestamps accepted', () => {
    const { row, eventTime } = mapRawEvent({ ...event, user_id: 42, device_id: undefined, trace_id: null, metadata: undefined }, fractional);
    expect(row).toMatchObject({ timestamp: 1000, ingestion_time: 1_700_000_000_123, user_id: '42', device_id: null, trace_id: null, metadata: null, payload: '{"a":1}' });
    expect(eventTime).toBe(1000);
    expect(mapRawEvent({ ...event, timestamp: 5n }, origin).row.timestamp).toBe(5);
    expect(mapRawEvent({ ...event, metadata: { k: 'v' } }, origin).row.metadata).toBe('{"k":"v"}');
  });

  it('raw events: each required field named when missing or of the wrong type', () => {
    expect(() => mapRawEvent({ ...event, event_id: '' }, origin)).toThrow('field event_id is missing or not a string');
    expect(() => mapRawEvent({ ...event, event_type: 3 }, origin)).toThrow('field event_type is missing or not a string');
    expect(() => mapRawEvent({ ...event, timestamp: '1000' }, origin)).toThrow('field timestamp is missing or not a number');
    expect(() => mapRawEvent({ ...event, timestamp: Number.NaN }, origin)).toThrow('field timestamp is missing or not a number');
    expect(() => mapRawEvent({ ...event, payload: null }, origin)).toThrow('field payload is missing or not a record');
    expect(() => mapRawEvent({ ...event, payload: 'text' }, origin)).toThrow('field payload is missing or not a record');
    expect(new RowMappingError('m').name).toBe('RowMappingError');
  });

  it('aggregates: numbers truncated, optional numbers null when absent or not finite, is_final true unless false', () => {
    const { row, eventTime } = mapAggregate({ ...aggregate, sum_value: '2.5', avg_value: 'abc', min_value: undefined, max_value: Number.POSITIVE_INFINITY }, origin);
    expect(row).toMatchObject({
      window_start: 60_000,
      window_end: 120_000,
      count: 3,
      distinct_users: 2,
      version: 4,
      processed_time: 130_000,
      sum_value: 2.5,
      avg_value: null,
      min_value: null,
      max_value: null,
      is_final: true,
    });
    expect(eventTime).toBe(60_000);
    expect(mapAggregate({ ...aggregate, is_final: 'false' }, origin).row.is_final).toBe(true);
    expect(mapAggregate({ ...aggregate, is_final: false }, origin).row.is_final).toBe(false);
  });

  it('aggregates: an empty group key is valid, a missing one and every other required field are named', () => {
    expect(mapAggregate({ ...aggregate, group_key: '' }, origin).row.group_key).toBe('');
    expect(() => mapAggregate({ ...aggregate, group_key: undefined }, origin)).toThrow('field group_key is missing or not a string');
    for (const field of ['window_name', 'window_kind', 'event_type']) {
      expect(() => mapAggregate({ ...aggregate, [field]: '' }, origin)).toThrow(`field ${field} is missing or not a string`);
    }
    for (const field of ['window_start', 'window_end', 'count', 'distinct_users', 'version', 'processed_time']) {
      expect(() => mapAggregate({ ...aggregate, [field]: undefined }, origin)).toThrow(`field ${field} is missing or not a number`);
    }
  });

  it('aggregates: extra columns are filled, in the type of an existing column', () => {
    const extras = [{ field: 'retracted', name: 'retracted', type: 'boolean' as const, nullable: true }];
    expect(mapAggregate({ ...aggregate, retracted: true }, origin, extras).row.retracted).toBe(true);
    expect(mapAggregate({ ...aggregate, retracted: true }, origin, extras, new Map([['retracted', 'string' as const]])).row.retracted).toBe('true');
  });
});
