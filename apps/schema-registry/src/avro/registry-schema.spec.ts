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

  it('normalizes to full names, no namespace, a fixed attribute order (others after, sorted) and bare primitives', () => {
    const schema = {
      zeta: 1,
      namespace: 'a',
      type: 'record',
      alpha: 2,
      name: 'R',
      doc: 'd',
      aliases: ['Old', 'z.Older'],
      fields: [
        { name: 's', type: { symbols: ['X'], type: 'enum', name: 'S' } },
        { default: 1, type: 'int', name: 'n', doc: 'x' },
        { name: 'tags', type: { values: 'string', type: 'map' } },
        { name: 'list', type: { items: 'S', type: 'array' } },
        { name: 'ts', type: { logicalType: 'timestamp-millis', type: 'long' } },
        { name: 'p', type: { type: 'string' } },
        { name: 'f', type: { size: 2, type: 'fixed', name: 'F', namespace: '' } },
        { name: 'either', type: ['null', 'S'] },
      ],
    };
    const expected =
      '{"type":"record","name":"a.R","doc":"d","aliases":["a.Old","z.Older"],"fields":[' +
      '{"type":{"type":"enum","name":"a.S","symbols":["X"]},"name":"s"},' +
      '{"type":"int","name":"n","doc":"x","default":1},' +
      '{"type":{"type":"map","values":"string"},"name":"tags"},' +
      '{"type":{"type":"array","items":"a.S"},"name":"list"},' +
      '{"type":{"type":"long","logicalType":"timestamp-millis"},"name":"ts"},' +
      '{"type":"string","name":"p"},' +
      '{"type":{"type":"fixed","name":"F","size":2},"name":"f"},' +
      '{"type":["null","a.S"],"name":"either"}' +
      '],"alpha":2,"zeta":1}';
    expect(parseRegistrySchema(JSON.stringify(schema)).normalized).toBe(expected);
    expect(normalizedSchemaText(JSON.stringify(schema))).toBe(expected);
    expect(normalizedSchemaText('{"type":{"type":"int"}}')).toBe('"int"');
    expect(normalizedSchemaText('{"type":"Named"}')).toBe('"Named"');
    expect(parseRegistrySchema('{"type":"error","name":"E","namespace":"n","fields":[]}').normalized).toBe('{"type":"error","name":"n.E","fields":[]}');
  });

  it('names the cause of a refusal', () => {
    expect(() => parseRegistrySchema('   ')).toThrow('Invalid schema: the schema is empty');
    expect(() => parseRegistrySchema('{"type":')).toThrow(/^Invalid schema: the schema is not valid JSON \(.+\)$/);
    expect(() => parseRegistrySchema('"string"', ['{"broken'])).toThrow(/^Invalid schema: a referenced schema could not be parsed \(.+\)$/);
    expect(() => parseRegistrySchema('"Missing"')).toThrow(/^Invalid schema: .*Missing/);
  });
});
