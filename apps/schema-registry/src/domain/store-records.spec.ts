import { configKey, decodeJsonObject, decodeKey, decodeSchemaValue, encodeKey, encodeValue, ID_HIGH_WATER_KEY, modeKey, schemaKey } from './store-records';

describe('schemas topic keys', () => {
  it('encodes every key type in Confluent’s layout, attributes in a fixed order', () => {
    expect(encodeKey(schemaKey('users', 3))).toBe('{"keytype":"SCHEMA","subject":"users","version":3,"magic":1}');
    expect(encodeKey(configKey('users'))).toBe('{"keytype":"CONFIG","subject":"users","magic":0}');
    expect(encodeKey(modeKey(null))).toBe('{"keytype":"MODE","subject":null,"magic":0}');
    expect(encodeKey(ID_HIGH_WATER_KEY)).toBe('{"keytype":"ID_HIGH_WATER","magic":0}');
    expect(encodeKey({ keytype: 'NOOP' })).toBe('{"keytype":"NOOP","magic":0}');
  });

  it('decodes the keys it writes and Confluent’s, whatever the attribute order', () => {
    expect(decodeKey('{"magic":1,"version":3,"subject":"users","keytype":"SCHEMA"}')).toEqual({ keytype: 'SCHEMA', subject: 'users', version: 3 });
    expect(decodeKey('{"keytype":"CONFIG","subject":"users","magic":0}')).toEqual({ keytype: 'CONFIG', subject: 'users' });
    expect(decodeKey('{"keytype":"CONFIG","magic":0}')).toEqual({ keytype: 'CONFIG', subject: null });
    expect(decodeKey('{"keytype":"MODE","subject":null}')).toEqual({ keytype: 'MODE', subject: null });
    expect(decodeKey('{"keytype":"ID_HIGH_WATER","magic":0}')).toEqual({ keytype: 'ID_HIGH_WATER' });
    expect(decodeKey('{"keytype":"NOOP","magic":0}')).toEqual({ keytype: 'NOOP' });
  });

  it.each([
    ['not JSON', 'SCHEMA users 1'],
    ['JSON that is no object', '["SCHEMA","users",1]'],
    ['an unknown key type', '{"keytype":"DELETE_SUBJECT","subject":"users"}'],
    ['a schema key without a subject', '{"keytype":"SCHEMA","version":1}'],
    ['a schema key with version 0', '{"keytype":"SCHEMA","subject":"users","version":0}'],
    ['a schema key with a fractional version', '{"keytype":"SCHEMA","subject":"users","version":1.5}'],
    ['a config key whose subject is a number', '{"keytype":"CONFIG","subject":7}'],
    ['a mode key whose subject is a number', '{"keytype":"MODE","subject":7}'],
  ])('skips %s', (_, raw) => {
    expect(decodeKey(raw)).toBeUndefined();
  });
});

describe('schemas topic values', () => {
  const full = { subject: 'users', version: 2, id: 5, schemaType: 'AVRO', schema: '"string"', references: [{ name: 'x.A', subject: 'a', version: 1 }], deleted: true };

  it('encodes a value as JSON and a tombstone as null', () => {
    expect(encodeValue({ maxId: 4 })).toBe('{"maxId":4}');
    expect(encodeValue(null)).toBeNull();
  });

  it('decodes a schema value, defaulting the type, the references and the deleted flag', () => {
    expect(decodeSchemaValue(JSON.stringify(full))).toEqual(full);
    expect(decodeSchemaValue('{"subject":"users","version":1,"id":1,"schema":"\\"int\\""}')).toEqual({
      subject: 'users',
      version: 1,
      id: 1,
      schemaType: 'AVRO',
      schema: '"int"',
      references: [],
      deleted: false,
    });
    expect(decodeSchemaValue(JSON.stringify({ ...full, references: null, deleted: 'yes' }))).toMatchObject({ references: [], deleted: false });
  });

  it.each([
    ['not JSON', '{subject'],
    ['no subject', JSON.stringify({ ...full, subject: 3 })],
    ['version 0', JSON.stringify({ ...full, version: 0 })],
    ['a fractional id', JSON.stringify({ ...full, id: 1.5 })],
    ['id 0', JSON.stringify({ ...full, id: 0 })],
    ['a schema that is not text', JSON.stringify({ ...full, schema: { type: 'string' } })],
    ['another schema type', JSON.stringify({ ...full, schemaType: 'PROTOBUF' })],
    ['references that are no list', JSON.stringify({ ...full, references: { name: 'x' } })],
    ['a reference without a name', JSON.stringify({ ...full, references: [{ subject: 'a', version: 1 }] })],
    ['a reference without a subject', JSON.stringify({ ...full, references: [{ name: 'x.A', version: 1 }] })],
    ['a reference with a fractional version', JSON.stringify({ ...full, references: [{ name: 'x.A', subject: 'a', version: 1.5 }] })],
    ['a reference that is no object', JSON.stringify({ ...full, references: ['x.A'] })],
  ])('refuses a schema value with %s', (_, raw) => {
    expect(decodeSchemaValue(raw)).toBeUndefined();
  });

  it('reads JSON objects only', () => {
    expect(decodeJsonObject('{"a":1}')).toEqual({ a: 1 });
    expect(decodeJsonObject('null')).toBeUndefined();
    expect(decodeJsonObject('[1]')).toBeUndefined();
    expect(decodeJsonObject('"text"')).toBeUndefined();
    expect(decodeJsonObject('{')).toBeUndefined();
  });
});
