import fc from 'fast-check';
import { readFileSync } from 'fs';
import { join } from 'path';
import { columnNameForField, columnTypeForAvro, columnTypeFromSql, extraColumnsForSchema, toColumnValue } from './columns';

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
