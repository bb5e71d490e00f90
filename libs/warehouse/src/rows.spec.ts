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
