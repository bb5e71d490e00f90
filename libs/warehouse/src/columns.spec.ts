import fc from 'fast-check';
import { readFileSync } from 'fs';
import { join } from 'path';
import { AGGREGATE_FIELDS, baseTableSpec, columnNameForField, columnTypeForAvro, columnTypeFromSql, ENVELOPE_FIELDS, extraColumnsForSchema, knownFieldsOf, toColumnValue } from './columns';

const ROOT = join(__dirname, '../../..');
const schema = (name: string) => JSON.parse(readFileSync(join(ROOT, 'schemas', name), 'utf8'));

describe('extra columns for newer schema versions', () => {
  it('the base event schemas ask for no extra column', () => {
    for (const name of ['iot.sensor.avsc', 'clickstream.avsc', 'transaction.avsc']) expect(extraColumnsForSchema(schema(name), 'raw.events')).toEqual([]);
  });

  it('the aggregated schema\'s later optional field retracted (default false) becomes a nullable boolean column', () => {
    expect(extraColumnsForSchema(schema('aggregated.avsc'), 'analytics.aggregated_events')).toEqual([{ field: 'retracted', name: 'retracted', type: 'boolean', nullable: true }]);
  });

  it('a new optional top-level field becomes a nullable column typed from its Avro type', () => {
    const v2 = schema('iot.sensor.avsc');
    v2.fields.push(
      { name: 'region', type: ['null', 'string'], default: null },
      { name: 'firmwareVersion', type: ['null', 'int'], default: null },
      { name: 'received_at', type: ['null', { type: 'long', logicalType: 'timestamp-millis' }], default: null },
      { name: 'tags', type: ['null', { type: 'array', items: 'string' }], default: null },
      { name: 'offset', type: ['null', 'long'], default: null },
      { name: 'tier', type: { type: 'enum', name: 'Tier', symbols: ['A', 'B'] }, default: 'A' },
    );
    expect(extraColumnsForSchema(v2, 'raw.events')).toEqual([
      { field: 'region', name: 'region', type: 'string', nullable: true },
      { field: 'firmwareVersion', name: 'firmware_version', type: 'integer', nullable: true },
      { field: 'received_at', name: 'received_at', type: 'timestamp', nullable: true },
      { field: 'tags', name: 'tags', type: 'json', nullable: true },
      // A field that would shadow a sink column gets a prefix.
      { field: 'offset', name: 'field_offset', type: 'bigint', nullable: true },
      { field: 'tier', name: 'tier', type: 'string', nullable: true },
    ]);
  });

  it('column names are always lower-case SQL identifiers', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 80 }), (field) => {
        const name = columnNameForField(field, 'raw.events');
        expect(name).toMatch(/^[a-z_][a-z0-9_]{0,62}$/);
      }),
    );
  });

  it('maps Avro and SQL types both ways', () => {
    expect(columnTypeForAvro('double')).toBe('double');
    expect(columnTypeForAvro(['null', 'boolean'])).toBe('boolean');
    expect(columnTypeForAvro(['null', 'string', 'long'])).toBe('json');
    expect(columnTypeForAvro({ type: 'map', values: 'string' })).toBe('json');
    expect(columnTypeFromSql('timestamp with time zone')).toBe('timestamp');
    expect(columnTypeFromSql('TIMESTAMP_NTZ')).toBe('timestamp');
    expect(columnTypeFromSql('jsonb')).toBe('json');
    expect(columnTypeFromSql('VARIANT')).toBe('json');
    expect(columnTypeFromSql('double precision')).toBe('double');
    expect(columnTypeFromSql('BIGINT')).toBe('bigint');
    expect(columnTypeFromSql('TEXT')).toBe('string');
  });

  it('converts values to the column type, turning what cannot be represented into null', () => {
    expect(toColumnValue({ a: 1n }, 'json')).toBe('{"a":"1"}');
    expect(toColumnValue(12.9, 'bigint')).toBe(12);
    expect(toColumnValue('x', 'double')).toBeNull();
    expect(toColumnValue('true', 'boolean')).toBeNull();
    expect(toColumnValue(['a'], 'string')).toBe('["a"]');
    expect(toColumnValue(Buffer.from('hi'), 'string')).toBe('aGk=');
    expect(toColumnValue(undefined, 'string')).toBeNull();
  });
});

describe('column model, rule by rule', () => {
  it('the three tables: keys, conflict rules and columns', () => {
    const raw = baseTableSpec('raw.events');
    expect([raw.schema, raw.table, raw.key, raw.conflict]).toEqual(['raw', 'events', ['event_id'], { kind: 'keep-existing' }]);
    expect(raw.columns.filter((c) => !c.nullable).map((c) => c.name)).toEqual(['event_id', 'timestamp', 'event_type', 'payload', 'topic', 'partition', 'offset', 'schema_id', 'ingestion_time']);
    const latest = baseTableSpec('analytics.aggregated_events');
    expect([latest.schema, latest.table, latest.key, latest.conflict]).toEqual([
      'analytics',
      'aggregated_events',
      ['window_start', 'window_name', 'event_type', 'group_key'],
      { kind: 'newer-version-wins', versionColumn: 'version' },
    ]);
    const versions = baseTableSpec('analytics.aggregated_event_versions');
    expect([versions.schema, versions.table, versions.key, versions.conflict]).toEqual([
      'analytics',
      'aggregated_event_versions',
      ['window_start', 'window_name', 'event_type', 'group_key', 'version'],
      { kind: 'keep-existing' },
    ]);
    expect(versions.columns.slice(0, -1)).toEqual(latest.columns);
    expect(versions.columns[versions.columns.length - 1]).toEqual({ name: 'retracted', type: 'boolean', nullable: true });
    // Each call gives its own copy: extending one spec never changes another.
    baseTableSpec('raw.events').columns.push({ name: 'x', type: 'string', nullable: true });
    expect(baseTableSpec('raw.events').columns).toEqual(raw.columns);
  });

  it('the fields with fixed columns, per table', () => {
    expect([...ENVELOPE_FIELDS]).toEqual(['event_id', 'timestamp', 'event_type', 'user_id', 'device_id', 'trace_id', 'payload', 'metadata']);
    expect(AGGREGATE_FIELDS.has('window_start')).toBe(true);
    expect(AGGREGATE_FIELDS.has('version')).toBe(true);
    for (const coordinate of ['topic', 'partition', 'offset', 'schema_id']) expect(AGGREGATE_FIELDS.has(coordinate)).toBe(false);
    expect(knownFieldsOf('raw.events')).toBe(ENVELOPE_FIELDS);
    expect(knownFieldsOf('analytics.aggregated_events')).toBe(AGGREGATE_FIELDS);
    expect(knownFieldsOf('analytics.aggregated_event_versions')).toBe(AGGREGATE_FIELDS);
  });

  it('column names: camelCase split, other characters to one underscore, no leading digit, reserved names prefixed, at most 63 characters', () => {
    const name = (field: string, table: 'raw.events' | 'analytics.aggregated_events' = 'raw.events') => columnNameForField(field, table);
    expect(name('firmwareVersion2X')).toBe('firmware_version2_x');
    expect(name('a--b..c')).toBe('a_b_c');
    expect(name('__a__')).toBe('a');
    expect(name('9lives')).toBe('field_9lives');
    expect(name('---')).toBe('field_');
    expect(name('loaded_at')).toBe('field_loaded_at');
    expect(name('ingestion_time')).toBe('field_ingestion_time');
    expect(name('version')).toBe('version');
    expect(name('version', 'analytics.aggregated_events')).toBe('field_version');
    expect(name('A'.repeat(70))).toBe('a'.repeat(63));
    expect(name('ABC')).toBe('abc');
  });

  it('Avro types: every primitive, logical timestamps, enums, named types, nested unions', () => {
    expect(['string', 'bytes', 'int', 'long', 'float', 'double', 'boolean', 'null', 'Other'].map((t) => columnTypeForAvro(t))).toEqual([
      'string',
      'string',
      'integer',
      'bigint',
      'double',
      'double',
      'boolean',
      'json',
      'json',
    ]);
    expect(columnTypeForAvro({ type: 'long', logicalType: 'timestamp-micros' })).toBe('timestamp');
    expect(columnTypeForAvro({ type: 'long', logicalType: 'timestamp-millis' })).toBe('timestamp');
    expect(columnTypeForAvro({ type: 'long', logicalType: 'time-micros' })).toBe('bigint');
    expect(columnTypeForAvro({ type: 'int' })).toBe('integer');
    expect(columnTypeForAvro({ type: 'record', fields: [] })).toBe('json');
    expect(columnTypeForAvro({ type: 'array', items: 'int' })).toBe('json');
    expect(columnTypeForAvro({ type: 'fixed', size: 4 })).toBe('json');
    expect(columnTypeForAvro({ type: ['null', 'double'] })).toBe('double');
    expect(columnTypeForAvro({ type: 3 })).toBe('json');
    expect(columnTypeForAvro(['null'])).toBe('json');
    expect(columnTypeForAvro(['long'])).toBe('bigint');
  });

  it('SQL types as databases report them', () => {
    const cases: Array<[string, string]> = [
      ['TIMESTAMP WITH TIME ZONE', 'timestamp'],
      ['timestamp_ltz', 'timestamp'],
      ['JSON', 'json'],
      ['object', 'json'],
      ['ARRAY', 'json'],
      ['int8', 'bigint'],
      ['HUGEINT', 'bigint'],
      ['INTEGER', 'integer'],
      ['int', 'integer'],
      ['int4', 'integer'],
      ['SMALLINT', 'integer'],
      ['TINYINT', 'integer'],
      ['NUMBER', 'bigint'],
      ['numeric(38,0)', 'bigint'],
      ['DECIMAL(18,3)', 'bigint'],
      ['DOUBLE', 'double'],
      ['FLOAT', 'double'],
      ['float8', 'double'],
      ['REAL', 'double'],
      ['float4', 'double'],
      ['BOOLEAN', 'boolean'],
      ['bool', 'boolean'],
      ['VARCHAR', 'string'],
      ['character varying', 'string'],
      ['intx', 'string'],
      ['a timestamp', 'string'],
    ];
    expect(cases.map(([sql]) => [sql, columnTypeFromSql(sql)])).toEqual(cases);
  });

  it('values: each type, and what cannot be represented', () => {
    expect(toColumnValue(null, 'json')).toBeNull();
    expect(toColumnValue(7, 'string')).toBe('7');
    expect(toColumnValue(true, 'string')).toBe('true');
    expect(toColumnValue('s', 'string')).toBe('s');
    expect(toColumnValue({ b: Buffer.from('hi') }, 'string')).toBe('{"b":"aGk="}');
    expect(toColumnValue(12n, 'bigint')).toBe(12);
    expect(toColumnValue(new Date(1500), 'timestamp')).toBe(1500);
    expect(toColumnValue('42.7', 'integer')).toBe(42);
    expect(toColumnValue(-3.9, 'integer')).toBe(-3);
    expect(toColumnValue('x', 'bigint')).toBeNull();
    expect(toColumnValue(Number.POSITIVE_INFINITY, 'timestamp')).toBeNull();
    expect(toColumnValue(1.5, 'double')).toBe(1.5);
    expect(toColumnValue('2.5', 'double')).toBe(2.5);
    expect(toColumnValue(Number.NaN, 'double')).toBeNull();
    expect(toColumnValue(false, 'boolean')).toBe(false);
    expect(toColumnValue(1, 'boolean')).toBeNull();
    expect(toColumnValue('text', 'json')).toBe('"text"');
    expect(toColumnValue({ type: 'Buffer', data: 'not an array' }, 'json')).toBe('{"type":"Buffer","data":"not an array"}');
    expect(toColumnValue({ type: 'Other', data: [104, 105] }, 'json')).toBe('{"type":"Other","data":[104,105]}');
    expect(toColumnValue([Buffer.from('hi'), 5n], 'json')).toBe('["aGk=","5"]');
  });

  it('a schema that is not a record with fields asks for no column', () => {
    expect(extraColumnsForSchema(null, 'raw.events')).toEqual([]);
    expect(extraColumnsForSchema({ type: 'enum', fields: [{ name: 'x', type: 'string' }] }, 'raw.events')).toEqual([]);
    expect(extraColumnsForSchema({ type: 'record', fields: 'x' }, 'raw.events')).toEqual([]);
    expect(extraColumnsForSchema({ type: 'record', fields: [{ name: 'window_start', type: 'long' }, { name: 'extra', type: 'long' }] }, 'analytics.aggregated_events')).toEqual([
      { field: 'extra', name: 'extra', type: 'bigint', nullable: true },
    ]);
  });
});
