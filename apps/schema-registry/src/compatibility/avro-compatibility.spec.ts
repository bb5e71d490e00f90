import * as avro from 'avsc';
import fc from 'fast-check';
import { buildAvroModel } from '../avro/avro-model';
import {
  canRead,
  COMPATIBILITY_LEVELS,
  CompatibilityLevel,
  compatibilityProblems,
  describeProblem,
  parseCompatibilityLevel,
  readerWriterIncompatibilities,
} from './avro-compatibility';

const model = (schema: unknown) => buildAvroModel(schema);
const record = (fields: unknown[], name = 'Event', extra: Record<string, unknown> = {}) => ({
  type: 'record',
  name,
  namespace: 'test',
  fields,
  ...extra,
});
const field = (name: string, type: unknown, extra: Record<string, unknown> = {}) => ({ name, type, ...extra });

/** avsc's resolver is an independent implementation of the same Avro rules: it must agree. */
function avscCanRead(reader: unknown, writer: unknown): boolean {
  try {
    avro.Type.forSchema(reader as avro.Schema).createResolver(avro.Type.forSchema(writer as avro.Schema));
    return true;
  } catch {
    return false;
  }
}

/** What a level demands of one earlier version, in terms of the two reading directions. */
function levelAccepts(level: CompatibilityLevel, newReadsOld: boolean, oldReadsNew: boolean): boolean {
  if (level === 'NONE') return true;
  if (level.startsWith('BACKWARD')) return newReadsOld;
  if (level.startsWith('FORWARD')) return oldReadsNew;
  return newReadsOld && oldReadsNew;
}

interface Evolution {
  name: string;
  old: unknown;
  next: unknown;
  /** BACKWARD direction per the Avro spec: the new schema reads data written with the old one. */
  newReadsOld: boolean;
  /** FORWARD direction: the old schema reads data written with the new one. */
  oldReadsNew: boolean;
}

const base = [field('id', 'string'), field('count', 'int')];
const promotion = (from: string, to: string): Evolution => ({
  name: `type promotion ${from} -> ${to}`,
  old: record([field('v', from)]),
  next: record([field('v', to)]),
  newReadsOld: true,
  oldReadsNew: false,
});
const color = (symbols: string[], extra: Record<string, unknown> = {}) => ({ type: 'enum', name: 'Color', symbols, ...extra });
const node = (valueType: string, extraFields: unknown[] = []) => ({
  type: 'record',
  name: 'Node',
  fields: [field('value', valueType), field('next', ['null', 'Node'], { default: null }), ...extraFields],
});

const EVOLUTIONS: Evolution[] = [
  { name: 'identical schema', old: record(base), next: record(base), newReadsOld: true, oldReadsNew: true },
  {
    name: 'added field with default',
    old: record(base),
    next: record([...base, field('note', 'string', { default: '' })]),
    newReadsOld: true,
    oldReadsNew: true,
  },
  {
    name: 'added field without default',
    old: record(base),
    next: record([...base, field('note', 'string')]),
    newReadsOld: false,
    oldReadsNew: true,
  },
  {
    name: 'removed field with default',
    old: record([...base, field('note', 'string', { default: '' })]),
    next: record(base),
    newReadsOld: true,
    oldReadsNew: true,
  },
  {
    name: 'removed field without default',
    old: record([...base, field('note', 'string')]),
    next: record(base),
    newReadsOld: true,
    oldReadsNew: false,
  },
  promotion('int', 'long'),
  promotion('int', 'float'),
  promotion('int', 'double'),
  promotion('long', 'float'),
  promotion('long', 'double'),
  promotion('float', 'double'),
  {
    name: 'narrowing long -> int (reverse promotion)',
    old: record([field('v', 'long')]),
    next: record([field('v', 'int')]),
    newReadsOld: false,
    oldReadsNew: true,
  },
  {
    name: 'narrowing double -> float',
    old: record([field('v', 'double')]),
    next: record([field('v', 'float')]),
    newReadsOld: false,
    oldReadsNew: true,
  },
  {
    name: 'string -> bytes',
    old: record([field('v', 'string')]),
    next: record([field('v', 'bytes')]),
    newReadsOld: true,
    oldReadsNew: true,
  },
  {
    name: 'bytes -> string',
    old: record([field('v', 'bytes')]),
    next: record([field('v', 'string')]),
    newReadsOld: true,
    oldReadsNew: true,
  },
  {
    name: 'string -> int (no promotion)',
    old: record([field('v', 'string')]),
    next: record([field('v', 'int')]),
    newReadsOld: false,
    oldReadsNew: false,
  },
  {
    name: 'boolean -> int (no promotion)',
    old: record([field('v', 'boolean')]),
    next: record([field('v', 'int')]),
    newReadsOld: false,
    oldReadsNew: false,
  },
  {
    name: 'enum symbol added',
    old: record([field('c', color(['RED', 'GREEN']))]),
    next: record([field('c', color(['RED', 'GREEN', 'BLUE']))]),
    newReadsOld: true,
    oldReadsNew: false,
  },
  {
    name: 'enum symbol removed',
    old: record([field('c', color(['RED', 'GREEN', 'BLUE']))]),
    next: record([field('c', color(['RED', 'GREEN']))]),
    newReadsOld: false,
    oldReadsNew: true,
  },
  {
    name: 'enum symbol removed, new enum has a default',
    old: record([field('c', color(['RED', 'GREEN', 'BLUE']))]),
    next: record([field('c', color(['RED', 'GREEN'], { default: 'RED' }))]),
    newReadsOld: true,
    oldReadsNew: true,
  },
  {
    name: 'enum symbol added, old enum has a default',
    old: record([field('c', color(['RED', 'GREEN'], { default: 'RED' }))]),
    next: record([field('c', color(['RED', 'GREEN', 'BLUE'], { default: 'RED' }))]),
    newReadsOld: true,
    oldReadsNew: true,
  },
  {
    name: 'union branch added',
    old: record([field('u', ['null', 'string'])]),
    next: record([field('u', ['null', 'string', 'int'])]),
    newReadsOld: true,
    oldReadsNew: false,
  },
  {
    name: 'union branch removed',
    old: record([field('u', ['null', 'string', 'int'])]),
    next: record([field('u', ['null', 'string'])]),
    newReadsOld: false,
    oldReadsNew: true,
  },
  {
    name: 'non-union -> union containing it',
    old: record([field('u', 'string')]),
    next: record([field('u', ['null', 'string'])]),
    newReadsOld: true,
    oldReadsNew: false,
  },
  {
    name: 'union -> one of its branches',
    old: record([field('u', ['null', 'string'])]),
    next: record([field('u', 'string')]),
    newReadsOld: false,
    oldReadsNew: true,
  },
  {
    name: 'non-union -> union with a promoted branch',
    old: record([field('u', 'int')]),
    next: record([field('u', ['null', 'long'])]),
    newReadsOld: true,
    oldReadsNew: false,
  },
  { name: 'top-level non-union -> union', old: 'int', next: ['null', 'int'], newReadsOld: true, oldReadsNew: false },
  {
    name: 'renamed field with an alias',
    old: record([field('id', 'string'), field('qty', 'int')]),
    next: record([field('id', 'string'), field('quantity', 'int', { aliases: ['qty'] })]),
    newReadsOld: true,
    oldReadsNew: false,
  },
  {
    name: 'renamed field without an alias',
    old: record([field('id', 'string'), field('qty', 'int')]),
    next: record([field('id', 'string'), field('quantity', 'int')]),
    newReadsOld: false,
    oldReadsNew: false,
  },
  {
    name: 'nested record gains a field with default',
    old: record([field('inner', record([field('x', 'int')], 'Inner'))]),
    next: record([field('inner', record([field('x', 'int'), field('y', 'int', { default: 0 })], 'Inner'))]),
    newReadsOld: true,
    oldReadsNew: true,
  },
  {
    name: 'nested record gains a field without default',
    old: record([field('inner', record([field('x', 'int')], 'Inner'))]),
    next: record([field('inner', record([field('x', 'int'), field('y', 'int')], 'Inner'))]),
    newReadsOld: false,
    oldReadsNew: true,
  },
  {
    name: 'array items int -> long',
    old: record([field('a', { type: 'array', items: 'int' })]),
    next: record([field('a', { type: 'array', items: 'long' })]),
    newReadsOld: true,
    oldReadsNew: false,
  },
  {
    name: 'array items int -> string',
    old: record([field('a', { type: 'array', items: 'int' })]),
    next: record([field('a', { type: 'array', items: 'string' })]),
    newReadsOld: false,
    oldReadsNew: false,
  },
  {
    name: 'map values float -> double',
    old: record([field('m', { type: 'map', values: 'float' })]),
    next: record([field('m', { type: 'map', values: 'double' })]),
    newReadsOld: true,
    oldReadsNew: false,
  },
  {
    name: 'map -> array',
    old: record([field('m', { type: 'map', values: 'int' })]),
    next: record([field('m', { type: 'array', items: 'int' })]),
    newReadsOld: false,
    oldReadsNew: false,
  },
  {
    name: 'fixed size changed',
    old: record([field('f', { type: 'fixed', name: 'Hash', size: 16 })]),
    next: record([field('f', { type: 'fixed', name: 'Hash', size: 32 })]),
    newReadsOld: false,
    oldReadsNew: false,
  },
  {
    name: 'fixed renamed',
    old: record([field('f', { type: 'fixed', name: 'Hash', size: 16 })]),
    next: record([field('f', { type: 'fixed', name: 'Digest', size: 16 })]),
    newReadsOld: false,
    oldReadsNew: false,
  },
  {
    name: 'fixed renamed with an alias',
    old: record([field('f', { type: 'fixed', name: 'Hash', size: 16 })]),
    next: record([field('f', { type: 'fixed', name: 'Digest', size: 16, aliases: ['Hash'] })]),
    newReadsOld: true,
    oldReadsNew: false,
  },
  { name: 'record renamed', old: record(base, 'Event'), next: record(base, 'Happening'), newReadsOld: false, oldReadsNew: false },
  {
    name: 'record renamed with an alias',
    old: record(base, 'Event'),
    next: record(base, 'Happening', { aliases: ['test.Event'] }),
    newReadsOld: true,
    oldReadsNew: false,
  },
  {
    name: 'record moved to another namespace',
    old: record(base),
    next: { ...record(base), namespace: 'other' },
    newReadsOld: false,
    oldReadsNew: false,
  },
  {
    name: 'recursive type gains a field with default',
    old: node('int'),
    next: node('int', [field('tag', 'string', { default: '' })]),
    newReadsOld: true,
    oldReadsNew: true,
  },
  { name: 'recursive type value int -> long', old: node('int'), next: node('long'), newReadsOld: true, oldReadsNew: false },
  { name: 'recursive type value int -> string', old: node('int'), next: node('string'), newReadsOld: false, oldReadsNew: false },
];

describe('Avro reader/writer resolution (the Avro specification rules)', () => {
  it.each(EVOLUTIONS)('$name: new reads old = $newReadsOld, old reads new = $oldReadsNew', ({ old, next, newReadsOld, oldReadsNew }) => {
    expect(canRead(model(next), model(old))).toBe(newReadsOld);
    expect(canRead(model(old), model(next))).toBe(oldReadsNew);
  });

  it.each(EVOLUTIONS)('$name: agrees with avsc resolver in both directions', ({ old, next }) => {
    expect(canRead(model(next), model(old))).toBe(avscCanRead(next, old));
    expect(canRead(model(old), model(next))).toBe(avscCanRead(old, next));
  });

  it('names the reason and the location of each incompatibility', () => {
    const problems = readerWriterIncompatibilities(model(record([...base, field('note', 'string')])), model(record(base)));
    expect(problems).toEqual([expect.objectContaining({ type: 'READER_FIELD_MISSING_DEFAULT_VALUE', location: '/fields/note' })]);
    const nested = readerWriterIncompatibilities(
      model(record([field('inner', record([field('x', 'string')], 'Inner'))])),
      model(record([field('inner', record([field('x', 'int')], 'Inner'))])),
    );
    expect(nested).toEqual([expect.objectContaining({ type: 'TYPE_MISMATCH', location: '/fields/inner/fields/x' })]);
  });

  it('words each kind of problem with both types and where it is', () => {
    const problems = (reader: unknown, writer: unknown) => readerWriterIncompatibilities(model(reader), model(writer));
    expect(problems({ type: 'array', items: 'int' }, { type: 'map', values: ['null', 'string'] })).toEqual([
      { type: 'TYPE_MISMATCH', location: '', message: 'reader type array<int> cannot read writer type map<union[null,string]>' },
    ]);
    expect(problems({ type: 'map', values: 'int' }, { type: 'map', values: 'string' })).toEqual([
      { type: 'TYPE_MISMATCH', location: '/values', message: 'reader type int cannot read writer type string' },
    ]);
    expect(problems({ type: 'array', items: 'int' }, { type: 'array', items: 'long' })).toEqual([
      { type: 'TYPE_MISMATCH', location: '/items', message: 'reader type int cannot read writer type long' },
    ]);
    expect(problems(['null', 'int'], 'string')).toEqual([
      { type: 'MISSING_UNION_BRANCH', location: '', message: 'reader union union[null,int] has no branch for writer type string' },
    ]);
    expect(problems(record([]), { type: 'enum', name: 'Event', namespace: 'test', symbols: [] })).toEqual([
      { type: 'TYPE_MISMATCH', location: '', message: 'reader type record test.Event cannot read writer type enum test.Event' },
    ]);
    expect(problems({ type: 'fixed', name: 'H', size: 4 }, { type: 'fixed', name: 'H', size: 8 })).toEqual([
      { type: 'FIXED_SIZE_MISMATCH', location: '/size', message: 'expected fixed size 8, found 4' },
    ]);
    expect(problems({ type: 'fixed', name: 'H', size: 4 }, { type: 'fixed', name: 'G', size: 4 })).toEqual([
      { type: 'NAME_MISMATCH', location: '/name', message: 'reader name H does not match writer name G' },
    ]);
    expect(problems({ type: 'enum', name: 'E', symbols: ['A'] }, { type: 'enum', name: 'F', symbols: ['A'] })).toEqual([
      { type: 'NAME_MISMATCH', location: '/name', message: 'reader name E does not match writer name F' },
    ]);
    expect(problems(record([field('e', { type: 'enum', name: 'E', symbols: ['A'] })]), record([field('e', { type: 'enum', name: 'E', symbols: ['A', 'B', 'C'] })]))).toEqual([
      { type: 'MISSING_ENUM_SYMBOLS', location: '/fields/e/symbols', message: 'reader enum test.E lacks symbols [B, C] and has no default' },
    ]);
    expect(problems({ type: 'enum', name: 'E', symbols: ['A'], default: 'A' }, { type: 'enum', name: 'E', symbols: ['A', 'B'] })).toEqual([]);
    expect(problems(record([], 'Reader'), record([], 'Writer'))).toEqual([
      { type: 'NAME_MISMATCH', location: '/name', message: 'reader name test.Reader does not match writer name test.Writer' },
    ]);
    expect(problems(record([field('n', 'int')]), record([]))).toEqual([
      { type: 'READER_FIELD_MISSING_DEFAULT_VALUE', location: '/fields/n', message: 'reader field n of test.Event is missing from the writer and has no default value' },
    ]);
  });

  it('matches a named type by a reader alias and a field by a reader field alias, not the other way round', () => {
    const writer = record([field('old_name', 'int')], 'Before');
    const reader = record([field('new_name', 'int', { aliases: ['old_name'] })], 'After', { aliases: ['Before'] });
    expect(readerWriterIncompatibilities(model(reader), model(writer))).toEqual([]);
    expect(canRead(model(writer), model(reader))).toBe(false);
    // The field of the same name wins over an aliased one.
    const both = record([field('a', 'string', { aliases: ['b'] })]);
    expect(canRead(model(both), model(record([field('b', 'int'), field('a', 'string')])))).toBe(true);
  });

  it('reports every branch of a writer union the reader cannot take, and a failure found under a recursive assumption', () => {
    expect(readerWriterIncompatibilities(model('long'), model(['int', 'string', 'boolean'])).map((p) => p.message)).toEqual([
      'reader type long cannot read writer type string',
      'reader type long cannot read writer type boolean',
    ]);
    // A named type used twice is one pair checked twice: each use reports its own location.
    const inner = (type: string) => ({ type: 'record', name: 'Inner', fields: [field('v', type)] });
    const twice = readerWriterIncompatibilities(
      model(record([field('a', inner('int')), field('b', 'Inner')])),
      model(record([field('a', inner('string')), field('b', 'Inner')])),
    );
    expect(twice.map((p) => [p.location, p.message])).toEqual([
      ['/fields/a/fields/v', 'reader type int cannot read writer type string'],
      ['/fields/b/fields/v', 'reader type int cannot read writer type string'],
    ]);
  });

  it('terminates on mutually recursive types', () => {
    const tree = (leaf: string) => ({
      type: 'record',
      name: 'Tree',
      fields: [
        field('children', {
          type: 'array',
          items: { type: 'record', name: 'Branch', fields: [field('tree', 'Tree'), field('leaf', leaf)] },
        }),
      ],
    });
    expect(canRead(model(tree('long')), model(tree('int')))).toBe(true);
    expect(canRead(model(tree('int')), model(tree('long')))).toBe(false);
  });
});

describe('compatibility levels against one earlier version', () => {
  const cases = EVOLUTIONS.flatMap((evolution) => COMPATIBILITY_LEVELS.map((level) => ({ ...evolution, level })));
  it.each(cases)('$level: $name', ({ level, old, next, newReadsOld, oldReadsNew }) => {
    const problems = compatibilityProblems(level, model(next), [{ version: 1, model: model(old) }]);
    expect(problems.length === 0).toBe(levelAccepts(level, newReadsOld, oldReadsNew));
  });
});

describe('transitive levels check every earlier version, the others only the latest', () => {
  // v1 -> v2 and v2 -> v3 are each fine, but v1 -> v3 is not (a field's type changes across a removal).
  const chains: Record<string, { versions: unknown[]; failsTransitively: CompatibilityLevel }> = {
    backward: {
      versions: [record([field('a', 'int')]), record([]), record([field('a', 'string', { default: '' })])],
      failsTransitively: 'BACKWARD_TRANSITIVE',
    },
    forward: {
      versions: [record([field('a', 'string', { default: '' })]), record([]), record([field('a', 'int')])],
      failsTransitively: 'FORWARD_TRANSITIVE',
    },
    full: {
      versions: [record([field('a', 'int', { default: 0 })]), record([]), record([field('a', 'string', { default: '' })])],
      failsTransitively: 'FULL_TRANSITIVE',
    },
  };

  it.each(Object.entries(chains))('%s chain: each step passes, the jump fails only transitively', (_, { versions, failsTransitively }) => {
    const [v1, v2, v3] = versions.map(model);
    const plain = failsTransitively.replace('_TRANSITIVE', '') as CompatibilityLevel;
    expect(compatibilityProblems(plain, v2, [{ version: 1, model: v1 }])).toEqual([]);
    expect(compatibilityProblems(failsTransitively, v2, [{ version: 1, model: v1 }])).toEqual([]);
    const history = [
      { version: 1, model: v1 },
      { version: 2, model: v2 },
    ];
    expect(compatibilityProblems(plain, v3, history)).toEqual([]);
    const transitive = compatibilityProblems(failsTransitively, v3, history);
    expect(transitive.length).toBeGreaterThan(0);
    expect(transitive.every((problem) => problem.version === 1)).toBe(true);
    expect(compatibilityProblems('NONE', v3, history)).toEqual([]);
  });

  it('non-transitive levels ignore an incompatible older version', () => {
    const v1 = model(record([field('a', 'int')]));
    const v2 = model(record([field('a', 'long')]));
    const v3 = model(record([field('a', 'long'), field('b', 'string', { default: '' })]));
    // v3 cannot be read by v1 (long -> int), but FORWARD only asks v2.
    const history = [
      { version: 1, model: v1 },
      { version: 2, model: v2 },
    ];
    expect(compatibilityProblems('FORWARD', v3, history)).toEqual([]);
    expect(compatibilityProblems('FORWARD_TRANSITIVE', v3, history).map((p) => p.version)).toEqual([1]);
  });
});

describe('transitive levels against a version in the middle of the history', () => {
  // Only v2 had field a as an int; v1 and v3 have no field a. The candidate makes a a string.
  const v1 = model(record([]));
  const v2 = model(record([field('a', 'int')]));
  const v3 = model(record([]));
  const candidate = model(record([field('a', 'string', { default: '' })]));
  const history = [
    { version: 1, model: v1 },
    { version: 2, model: v2 },
    { version: 3, model: v3 },
  ];
  const found = (level: CompatibilityLevel) => compatibilityProblems(level, candidate, history).map((p) => [p.version, p.direction]);

  it('finds the conflict with version 2 of 3, in the direction each level checks', () => {
    expect(found('BACKWARD_TRANSITIVE')).toEqual([[2, 'BACKWARD']]);
    expect(found('FORWARD_TRANSITIVE')).toEqual([[2, 'FORWARD']]);
    expect(found('FULL_TRANSITIVE')).toEqual([[2, 'BACKWARD'], [2, 'FORWARD']]);
    for (const level of ['BACKWARD', 'FORWARD', 'FULL', 'NONE'] as const) expect(found(level)).toEqual([]);
  });

  it('reports conflicts with several versions newest first', () => {
    const longer = [...history, { version: 4, model: model(record([field('a', 'int')])) }, { version: 5, model: model(record([])) }];
    expect(compatibilityProblems('BACKWARD_TRANSITIVE', candidate, longer).map((p) => p.version)).toEqual([4, 2]);
    // A deleted version is left out of the history by the caller: it is not checked.
    expect(compatibilityProblems('BACKWARD_TRANSITIVE', candidate, longer.filter((v) => v.version !== 4)).map((p) => p.version)).toEqual([2]);
  });

  it('describes a problem on one line naming the version, the level and what it means', () => {
    const [backward] = compatibilityProblems('BACKWARD_TRANSITIVE', candidate, history);
    const line = describeProblem(backward, 'BACKWARD_TRANSITIVE');
    expect(line.startsWith(`{errorType:'${backward.type}', description:'${backward.message}', location:'`)).toBe(true);
    expect(line.endsWith(", oldSchemaVersion:2, compatibility:'BACKWARD_TRANSITIVE', meaning:'the new schema cannot read data written with version 2'}")).toBe(true);
    const [forward] = compatibilityProblems('FORWARD', model(record([field('a', 'string', { default: '' })])), [{ version: 7, model: v2 }]);
    expect(describeProblem(forward, 'FORWARD')).toContain("meaning:'version 7 cannot read data written with the new schema'}");
    expect(describeProblem({ ...forward, location: '' }, 'FORWARD')).toContain("location:'/'");
  });
});

describe('parseCompatibilityLevel', () => {
  it('accepts every level in any case and nothing else', () => {
    for (const level of COMPATIBILITY_LEVELS) {
      expect(parseCompatibilityLevel(level.toLowerCase())).toBe(level);
    }
    expect(parseCompatibilityLevel('SIDEWAYS')).toBeUndefined();
    expect(parseCompatibilityLevel(3)).toBeUndefined();
  });
});

describe('random schema evolutions (property: the checker agrees with avsc, and compatible pairs really decode)', () => {
  const primitive = fc.constantFrom('null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string');
  const fieldType: fc.Arbitrary<unknown> = fc.oneof(
    primitive,
    fc.constantFrom<unknown>(['null', 'string'], ['null', 'int'], ['null', 'long', 'string'], ['int', 'string']),
    primitive.filter((p) => p !== 'null').map((items) => ({ type: 'array', items })),
    primitive.filter((p) => p !== 'null').map((values) => ({ type: 'map', values })),
    fc.subarray(['A', 'B', 'C', 'D'], { minLength: 1 }).map((symbols) => ({ type: 'enum', name: 'Kind', symbols })),
  );
  const defaults: Record<string, unknown> = { null: null, boolean: false, int: 0, long: 0, float: 0, double: 0, bytes: '', string: '' };
  const defaultFor = (type: unknown): unknown => {
    if (typeof type === 'string') return defaults[type];
    if (Array.isArray(type)) return defaultFor(type[0]);
    const complex = type as { type: string; symbols?: string[] };
    if (complex.type === 'array') return [];
    if (complex.type === 'map') return {};
    return complex.symbols?.[0];
  };
  const fieldsArb = fc.uniqueArray(
    fc.record({ name: fc.constantFrom('a', 'b', 'c', 'd', 'e'), type: fieldType, withDefault: fc.boolean() }),
    {
      selector: (f) => f.name,
      maxLength: 4,
    },
  );
  // Each field's enum gets its own name (one name, one definition), the same in reader and writer.
  const named = (fieldName: string, type: unknown) =>
    type !== null && typeof type === 'object' && (type as { type?: string }).type === 'enum'
      ? { ...type, name: `Kind_${fieldName}` }
      : type;
  const toRecord = (fields: Array<{ name: string; type: unknown; withDefault: boolean }>) =>
    record(
      fields.map((f) => {
        const type = named(f.name, f.type);
        return f.withDefault ? field(f.name, type, { default: defaultFor(type) }) : field(f.name, type);
      }),
    );

  it('agrees with avsc for random reader/writer pairs', () => {
    fc.assert(
      fc.property(fieldsArb, fieldsArb, (readerFields, writerFields) => {
        const reader = toRecord(readerFields);
        const writer = toRecord(writerFields);
        expect(canRead(model(reader), model(writer))).toBe(avscCanRead(reader, writer));
      }),
      { numRuns: 300 },
    );
  });

  it('a pair judged compatible decodes random writer data with the reader', () => {
    fc.assert(
      fc.property(fieldsArb, fieldsArb, (readerFields, writerFields) => {
        const reader = toRecord(readerFields);
        const writer = toRecord(writerFields);
        fc.pre(canRead(model(reader), model(writer)));
        const readerType = avro.Type.forSchema(reader as avro.Schema);
        const writerType = avro.Type.forSchema(writer as avro.Schema);
        const resolver = readerType.createResolver(writerType);
        for (let i = 0; i < 3; i++) {
          const decoded = readerType.fromBuffer(writerType.toBuffer(writerType.random()), resolver);
          expect(readerType.isValid(decoded)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});
