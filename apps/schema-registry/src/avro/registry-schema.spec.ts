import { RegistryError } from '../domain/registry-errors';
import { normalizedSchemaText, parseRegistrySchema } from './registry-schema';

function errorCodeOf(run: () => unknown): number | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof RegistryError ? error.errorCode : -1;
  }
}

describe('parseRegistrySchema', () => {
  it('stores compact JSON and normalizes equivalent spellings to one text', () => {
    const spaced = '{ "type": "record", "name": "User", "namespace": "a.b", "fields": [ { "name": "id", "type": {"type": "string"} } ] }';
    const fullName = '{"fields":[{"type":"string","name":"id"}],"name":"a.b.User","type":"record"}';
    const parsed = parseRegistrySchema(spaced);
    expect(parsed.canonical).toBe(JSON.stringify(JSON.parse(spaced)));
    expect(parsed.normalized).toBe(parseRegistrySchema(fullName).normalized);
    expect(normalizedSchemaText(spaced)).toBe(parsed.normalized);
    expect(parsed.normalized).not.toBe(parseRegistrySchema(fullName.replace('"string"', '"int"')).normalized);
  });

  it('accepts primitive and union top-level schemas', () => {
    expect(parseRegistrySchema('"string"').canonical).toBe('"string"');
    expect(parseRegistrySchema('["null","long"]').model).toEqual({
      kind: 'union',
      branches: [
        { kind: 'primitive', type: 'null' },
        { kind: 'primitive', type: 'long' },
      ],
    });
  });

  it.each([
    ['empty text', ''],
    ['not JSON', '{"type": "record"'],
    ['unknown type', '{"type": "recordz", "name": "X", "fields": []}'],
    ['unknown named type', '{"type": "record", "name": "X", "fields": [{"name": "a", "type": "Missing"}]}'],
    ['invalid name', '{"type": "record", "name": "1X", "fields": []}'],
    ['default of the wrong type', '{"type": "record", "name": "X", "fields": [{"name": "a", "type": "int", "default": "zero"}]}'],
    ['duplicate field', '{"type": "record", "name": "X", "fields": [{"name": "a", "type": "int"}, {"name": "a", "type": "int"}]}'],
    ['enum without symbols', '{"type": "enum", "name": "E"}'],
    ['fixed without size', '{"type": "fixed", "name": "F"}'],
  ])('rejects %s with 42201', (_, text) => {
    expect(errorCodeOf(() => parseRegistrySchema(text))).toBe(42201);
  });

  it('resolves named types from referenced schemas, and only from them', () => {
    const address = '{"type":"record","name":"Address","namespace":"x","fields":[{"name":"city","type":"string"}]}';
    const user = '{"type":"record","name":"User","namespace":"x","fields":[{"name":"home","type":"Address"}]}';
    expect(parseRegistrySchema(user, [address]).model).toMatchObject({
      kind: 'record',
      fields: [{ name: 'home', type: { kind: 'record', fullName: 'x.Address' } }],
    });
    expect(errorCodeOf(() => parseRegistrySchema(user))).toBe(42201);
    expect(errorCodeOf(() => parseRegistrySchema(user, ['{"broken']))).toBe(42201);
  });
});
