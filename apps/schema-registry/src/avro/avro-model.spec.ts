import { AvroModelError, buildAvroModel, NamedTypes } from './avro-model';

const int = { kind: 'primitive', type: 'int' };
const string = { kind: 'primitive', type: 'string' };

describe('buildAvroModel', () => {
  it('models primitives, unions, arrays, maps and logical types as their underlying type', () => {
    expect(buildAvroModel('int')).toEqual(int);
    expect(buildAvroModel({ type: 'string' })).toEqual(string);
    expect(buildAvroModel({ type: { type: 'int' } })).toEqual(int);
    expect(buildAvroModel({ type: 'long', logicalType: 'timestamp-millis' })).toEqual({ kind: 'primitive', type: 'long' });
    expect(buildAvroModel(['null', { type: 'array', items: 'int' }, { type: 'map', values: 'string' }])).toEqual({
      kind: 'union',
      branches: [{ kind: 'primitive', type: 'null' }, { kind: 'array', items: int }, { kind: 'map', values: string }],
    });
  });

  it('qualifies names by the enclosing namespace, an explicit one, or none when it is empty', () => {
    const model = buildAvroModel({
      type: 'record',
      name: 'Outer',
      namespace: 'a.b',
      aliases: ['Old', 'x.Older'],
      fields: [
        { name: 'inner', aliases: ['in'], type: { type: 'record', name: 'Inner', fields: [] } },
        { name: 'other', type: { type: 'enum', name: 'Kind', namespace: 'c', symbols: ['A', 'B'], default: 'A' } },
        { name: 'bare', type: { type: 'fixed', name: 'Raw', namespace: '', size: 4, aliases: ['Bytes4'] } },
        { name: 'dotted', type: { type: 'fixed', name: 'd.e.Hash', size: 16 } },
        { name: 'again', type: 'Inner', default: {} },
        { name: 'full', type: 'c.Kind' },
      ],
    });
    expect(model).toMatchObject({
      kind: 'record',
      fullName: 'a.b.Outer',
      aliases: ['a.b.Old', 'x.Older'],
      fields: [
        { name: 'inner', aliases: ['in'], hasDefault: false, type: { kind: 'record', fullName: 'a.b.Inner', aliases: [] } },
        { name: 'other', aliases: [], type: { kind: 'enum', fullName: 'c.Kind', symbols: ['A', 'B'], default: 'A' } },
        { name: 'bare', type: { kind: 'fixed', fullName: 'Raw', size: 4, aliases: ['Bytes4'] } },
        { name: 'dotted', type: { kind: 'fixed', fullName: 'd.e.Hash', size: 16 } },
        { name: 'again', hasDefault: true, type: { kind: 'record', fullName: 'a.b.Inner' } },
        { name: 'full', hasDefault: false, type: { kind: 'enum', fullName: 'c.Kind' } },
      ],
    });
    const fields = (model as { fields: Array<{ type: unknown }> }).fields;
    // A named type is one shared node wherever it is used.
    expect(fields[4].type).toBe(fields[0].type);
    expect(fields[5].type).toBe(fields[1].type);
    // Types nested in a type with a dotted name take that name's namespace.
    expect(buildAvroModel({ type: 'record', name: 'p.Q', fields: [{ name: 'r', type: { type: 'enum', name: 'R', symbols: [] } }] })).toMatchObject({
      fields: [{ type: { fullName: 'p.R' } }],
    });
    expect(buildAvroModel({ type: 'enum', name: 'E', symbols: ['X'] })).not.toHaveProperty('default');
  });

  it('points a recursive record back at itself, and an error type is a record', () => {
    const model = buildAvroModel({ type: 'error', name: 'Node', fields: [{ name: 'next', type: ['null', 'Node'] }] }) as {
      kind: string;
      fields: Array<{ type: { branches: unknown[] } }>;
    };
    expect(model.kind).toBe('record');
    expect(model.fields[0].type.branches[1]).toBe(model);
  });

  it('finds named types of referenced schemas in the shared map, by full or short name', () => {
    const named: NamedTypes = new Map();
    buildAvroModel({ type: 'record', name: 'Address', namespace: 'x', fields: [] }, named);
    buildAvroModel({ type: 'enum', name: 'Plain', symbols: ['A'] }, named);
    expect(buildAvroModel({ type: 'record', name: 'User', namespace: 'x', fields: [{ name: 'home', type: 'Address' }, { name: 'p', type: 'Plain' }] }, named)).toMatchObject({
      fields: [{ type: { fullName: 'x.Address' } }, { type: { fullName: 'Plain' } }],
    });
    expect(buildAvroModel({ type: 'x.Address' }, named)).toMatchObject({ kind: 'record', fullName: 'x.Address' });
    expect([...named.keys()]).toEqual(['x.Address', 'Plain', 'x.User']);
  });

  it.each([
    ['an unknown name', { type: 'record', name: 'R', fields: [{ name: 'a', type: 'Missing' }] }, "unknown type name 'Missing'"],
    ['an unknown type', { type: 'Missing' }, "unknown type name 'Missing'"],
    ['a name defined twice', ['null', { type: 'enum', name: 'E', symbols: [] }, { type: 'fixed', name: 'E', size: 1 }], "type name 'E' is defined twice"],
    ['a record without a name', { type: 'record', fields: [] }, 'a record needs a name'],
    ['an enum with an empty name', { type: 'enum', name: '', symbols: [] }, 'a enum needs a name'],
    ['aliases that are not strings', { type: 'fixed', name: 'F', size: 1, aliases: [1] }, 'aliases of F must be an array of strings'],
    ['aliases that are no list', { type: 'fixed', name: 'F', size: 1, aliases: 'G' }, 'aliases of F must be an array of strings'],
    ['field aliases that are not strings', { type: 'record', name: 'R', fields: [{ name: 'a', type: 'int', aliases: [true] }] }, 'aliases of R.a must be an array of strings'],
    ['a record without fields', { type: 'record', name: 'R' }, 'record R needs a fields array'],
    ['a field without a name', { type: 'record', name: 'R', fields: [{ type: 'int' }] }, 'a field of R has no name'],
    ['a null field', { type: 'record', name: 'R', fields: [null] }, 'a field of R has no name'],
    ['symbols that are not strings', { type: 'enum', name: 'E', symbols: [1] }, 'symbols of E must be an array of strings'],
    ['a fixed without a size', { type: 'fixed', name: 'F' }, 'fixed F needs a size'],
    ['a number', 42, 'not a schema: 42'],
    ['null', null, 'not a schema: null'],
  ])('refuses %s, naming it', (_, schema, message) => {
    expect(() => buildAvroModel(schema)).toThrow(new AvroModelError(message));
    expect(() => buildAvroModel(schema)).toThrow(AvroModelError);
  });
});
