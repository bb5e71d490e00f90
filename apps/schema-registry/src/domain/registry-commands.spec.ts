import { parseRegistrySchema } from '../avro/registry-schema';
import {
  compatibilityMessages,
  holdsSchema,
  parseVersionSpec,
  Plan,
  planDeleteCompatibility,
  planDeleteSubject,
  planDeleteVersion,
  planRegister,
  planSetCompatibility,
  planSetMode,
  referencedSchemaTexts,
  storedModel,
} from './registry-commands';
import { RegistryError } from './registry-errors';
import { RegistryState } from './registry-state';
import { configKey, encodeKey, encodeValue, ID_HIGH_WATER_KEY, modeKey, schemaKey, SchemaValue } from './store-records';

const record = (name: string, fields: unknown[] = []) => JSON.stringify({ type: 'record', name, namespace: 'test', fields: [{ name: 'id', type: 'string' }, ...fields] });
const req = (schema: string, references: SchemaValue['references'] = []) => ({ schema, references });

function apply<T>(state: RegistryState, plan: Plan<T>): T {
  for (const r of plan.records) state.applyRecord(encodeKey(r.key), encodeValue(r.value));
  return plan.result;
}

function codeOf(run: () => unknown): number | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof RegistryError ? error.errorCode : -1;
  }
}

function stored(subject: string, version: number, id: number, schema: string, extra: Partial<SchemaValue> = {}): SchemaValue {
  return { subject, version, id, schemaType: 'AVRO', schema, references: [], deleted: false, ...extra };
}

function put(state: RegistryState, value: SchemaValue): SchemaValue {
  state.applyRecord(encodeKey(schemaKey(value.subject, value.version)), encodeValue(value));
  return state.getVersion(value.subject, value.version)!;
}

describe('parseVersionSpec', () => {
  it('reads latest, -1 and the versions 1 to 2^31-1', () => {
    expect(parseVersionSpec('latest')).toBe('latest');
    expect(parseVersionSpec('-1')).toBe('latest');
    expect(parseVersionSpec('1')).toBe(1);
    expect(parseVersionSpec('007')).toBe(7);
    expect(parseVersionSpec('2147483647')).toBe(2147483647);
  });

  it.each(['0', '2147483648', '-2', '1.5', '', ' 1', 'first', 'LATEST'])('refuses %j with 42202', (raw) => {
    expect(codeOf(() => parseVersionSpec(raw))).toBe(42202);
  });
});

describe('references', () => {
  const city = JSON.stringify({ type: 'record', name: 'City', namespace: 'test', fields: [{ name: 'name', type: 'string' }] });
  const address = JSON.stringify({ type: 'record', name: 'Address', namespace: 'test', fields: [{ name: 'city', type: 'test.City' }] });

  function withChain(): RegistryState {
    const state = new RegistryState();
    put(state, stored('city', 1, 1, city));
    put(state, stored('address', 1, 2, address, { references: [{ name: 'test.City', subject: 'city', version: 1 }] }));
    return state;
  }

  it('lists the texts a reference list needs, dependencies first, each once', () => {
    const state = withChain();
    const refs = [
      { name: 'test.Address', subject: 'address', version: 1 },
      { name: 'test.City', subject: 'city', version: 1 },
      { name: 'test.Address', subject: 'address', version: 1 },
    ];
    expect(referencedSchemaTexts(state, refs)).toEqual([city, address]);
  });

  it('follows version -1 to the latest live version', () => {
    const state = withChain();
    const city2 = JSON.stringify({ type: 'record', name: 'City', namespace: 'test', fields: [{ name: 'name', type: 'string' }, { name: 'zip', type: 'string', default: '' }] });
    put(state, stored('city', 2, 3, city2));
    put(state, stored('city', 3, 4, '"string"', { deleted: true }));
    expect(referencedSchemaTexts(state, [{ name: 'test.City', subject: 'city', version: -1 }])).toEqual([city2]);
  });

  it('refuses a reference to a version that does not exist, naming it', () => {
    const state = withChain();
    expect(() => referencedSchemaTexts(state, [{ name: 'test.City', subject: 'city', version: 4 }])).toThrow(
      "Invalid schema: reference 'test.City' points to subject 'city' version 4, which does not exist",
    );
    expect(codeOf(() => referencedSchemaTexts(state, [{ name: 'x', subject: 'nowhere', version: -1 }]))).toBe(42201);
  });

  it('models a stored version through its references, once, and as null when a reference is gone', () => {
    const state = withChain();
    const value = state.getVersion('address', 1)!;
    const model = storedModel(state, value);
    expect(model).toMatchObject({ kind: 'record', fullName: 'test.Address', fields: [{ name: 'city', type: { kind: 'record', fullName: 'test.City' } }] });
    expect(storedModel(state, value)).toBe(model);
    state.applyRecord(encodeKey(schemaKey('city', 1)), null);
    const orphan = stored('address', 2, 5, address, { references: [{ name: 'test.City', subject: 'city', version: 1 }] });
    expect(storedModel(state, orphan)).toBeNull();
    expect(storedModel(state, orphan)).toBeNull();
  });

  it('checks compatibility only against the versions that still parse', () => {
    const state = withChain();
    const orphan = stored('address', 2, 5, address, { references: [{ name: 'test.City', subject: 'gone', version: 1 }] });
    const candidate = parseRegistrySchema(record('Address', [{ name: 'extra', type: 'int' }])).model;
    const fine = stored('other', 1, 6, record('Address'));
    expect(compatibilityMessages(state, 'BACKWARD', candidate, [orphan])).toEqual([]);
    expect(compatibilityMessages(state, 'BACKWARD_TRANSITIVE', candidate, [fine, orphan])).toEqual([
      "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'reader field extra of test.Address is missing from the writer and has no default value', location:'/fields/extra', oldSchemaVersion:1, compatibility:'BACKWARD_TRANSITIVE', meaning:'the new schema cannot read data written with version 1'}",
    ]);
  });
});

describe('holdsSchema', () => {
  const text = record('User');
  const spelled = JSON.stringify({ type: 'record', name: 'test.User', fields: [{ type: { type: 'string' }, name: 'id' }] });
  const ref = { name: 'test.X', subject: 'x', version: 1 };

  it('matches the compact text, and the normalized text only when asked', () => {
    const parsed = parseRegistrySchema(spelled);
    expect(holdsSchema(stored('s', 1, 1, spelled), parsed, [], false)).toBe(true);
    expect(holdsSchema(stored('s', 1, 1, text), parsed, [], false)).toBe(false);
    expect(holdsSchema(stored('s', 1, 1, text), parsed, [], true)).toBe(true);
    // Stored already normalized (registered with normalize=true).
    expect(holdsSchema(stored('s', 1, 1, parsed.normalized), parseRegistrySchema(text), [], true)).toBe(true);
    expect(holdsSchema(stored('s', 1, 1, record('Other')), parsed, [], true)).toBe(false);
  });

  it('needs the same references, in order, by name, subject and version', () => {
    const parsed = parseRegistrySchema(text);
    const value = stored('s', 1, 1, text, { references: [ref] });
    expect(holdsSchema(value, parsed, [ref], false)).toBe(true);
    expect(holdsSchema(value, parsed, [], false)).toBe(false);
    expect(holdsSchema(value, parsed, [{ ...ref, name: 'test.Y' }], false)).toBe(false);
    expect(holdsSchema(value, parsed, [{ ...ref, subject: 'y' }], false)).toBe(false);
    expect(holdsSchema(value, parsed, [{ ...ref, version: 2 }], false)).toBe(false);
    expect(holdsSchema(stored('s', 1, 1, text), parsed, [ref], false)).toBe(false);
  });
});

describe('planRegister', () => {
  it('writes the new version with the next id, compact or normalized as asked', () => {
    const state = new RegistryState();
    const spaced = JSON.stringify(JSON.parse(record('User')), null, 2);
    const plan = planRegister(state, 'users', req(spaced), false);
    expect(plan).toEqual({
      records: [{ key: schemaKey('users', 1), value: stored('users', 1, 1, record('User')) }],
      result: { id: 1, version: 1, schema: record('User'), references: [] },
    });
    apply(state, plan);
    const normalized = planRegister(state, 'users', req(record('User', [{ name: 'n', type: 'int', default: 0 }])), true);
    expect(normalized.result).toEqual({ id: 2, version: 2, schema: parseRegistrySchema(record('User', [{ name: 'n', type: 'int', default: 0 }])).normalized, references: [] });
  });

  it('answers an existing live version without writing, the newest one holding the schema, even when read-only', () => {
    const state = new RegistryState();
    put(state, stored('users', 1, 4, record('User')));
    put(state, stored('users', 2, 5, record('User', [{ name: 'n', type: 'int', default: 0 }])));
    put(state, stored('users', 3, 4, record('User')));
    state.applyRecord(encodeKey(modeKey(null)), encodeValue({ mode: 'READONLY' }));
    expect(planRegister(state, 'users', req(record('User')), false)).toEqual({ records: [], result: { id: 4, version: 3, schema: record('User'), references: [] } });
    expect(codeOf(() => planRegister(state, 'users', req(record('Other')), false))).toBe(42205);
  });

  it('keeps the id a schema has under another subject, and takes a new one past the high-water mark otherwise', () => {
    const state = new RegistryState();
    put(state, stored('a', 1, 3, record('User')));
    put(state, stored('b', 1, 7, record('Other')));
    state.applyRecord(encodeKey(ID_HIGH_WATER_KEY), encodeValue({ maxId: 9 }));
    expect(planRegister(state, 'c', req(record('User')), false).result).toMatchObject({ id: 3, version: 1 });
    expect(planRegister(state, 'c', req(record('Third')), false).result).toMatchObject({ id: 10, version: 1 });
  });

  it('refuses an incompatible schema under the subject’s level with 409 and the problems', () => {
    const state = new RegistryState();
    put(state, stored('users', 1, 1, record('User')));
    let error: RegistryError | undefined;
    try {
      planRegister(state, 'users', req(record('User', [{ name: 'n', type: 'int' }])), false);
    } catch (e) {
      error = e as RegistryError;
    }
    expect(error?.errorCode).toBe(409);
    expect(error?.message).toContain("errorType:'READER_FIELD_MISSING_DEFAULT_VALUE'");
    expect(error?.message).toContain("compatibility:'BACKWARD'");
    state.applyRecord(encodeKey(configKey('users')), encodeValue({ compatibilityLevel: 'NONE' }));
    expect(planRegister(state, 'users', req(record('User', [{ name: 'n', type: 'int' }])), false).result.version).toBe(2);
  });
});

describe('deleting', () => {
  function twoVersions(): RegistryState {
    const state = new RegistryState();
    put(state, stored('users', 1, 1, record('User')));
    put(state, stored('users', 2, 2, record('User', [{ name: 'n', type: 'int', default: 0 }])));
    return state;
  }

  it('soft-deletes every live version of a subject, then hard-deletes all with the high-water mark and the subject’s level', () => {
    const state = twoVersions();
    state.applyRecord(encodeKey(configKey('users')), encodeValue({ compatibilityLevel: 'FULL' }));
    apply(state, planDeleteVersion(state, 'users', 1, false));
    const soft = planDeleteSubject(state, 'users', false);
    expect(soft).toEqual({ records: [{ key: schemaKey('users', 2), value: { ...state.getVersion('users', 2), deleted: true } }], result: [2] });
    apply(state, soft);
    expect(planDeleteSubject(state, 'users', true)).toEqual({
      records: [
        { key: ID_HIGH_WATER_KEY, value: { maxId: 2 } },
        { key: schemaKey('users', 1), value: null },
        { key: schemaKey('users', 2), value: null },
        { key: configKey('users'), value: null },
      ],
      result: [1, 2],
    });
  });

  it('hard-deletes a subject without its own level leaving the levels alone', () => {
    const state = twoVersions();
    apply(state, planDeleteSubject(state, 'users', false));
    expect(planDeleteSubject(state, 'users', true).records.map((r) => r.key.keytype)).toEqual(['ID_HIGH_WATER', 'SCHEMA', 'SCHEMA']);
  });

  it('refuses in Confluent’s order: unknown subject, then read-only, then the soft/hard rules', () => {
    const state = twoVersions();
    expect(codeOf(() => planDeleteSubject(state, 'nobody', false))).toBe(40401);
    expect(codeOf(() => planDeleteSubject(state, 'users', true))).toBe(40405);
    expect(codeOf(() => planDeleteVersion(state, 'nobody', 1, false))).toBe(40401);
    expect(codeOf(() => planDeleteVersion(state, 'users', 3, false))).toBe(40402);
    expect(codeOf(() => planDeleteVersion(state, 'users', 1, true))).toBe(40407);
    state.applyRecord(encodeKey(modeKey(null)), encodeValue({ mode: 'READONLY' }));
    expect(codeOf(() => planDeleteSubject(state, 'users', false))).toBe(42205);
    expect(codeOf(() => planDeleteVersion(state, 'users', 1, false))).toBe(42205);
    expect(codeOf(() => planDeleteVersion(state, 'users', 3, false))).toBe(40402);
  });

  it('deletes the latest version: the latest live one softly, the latest of all permanently', () => {
    const state = twoVersions();
    expect(planDeleteVersion(state, 'users', 'latest', false).result).toBe(2);
    apply(state, planDeleteVersion(state, 'users', 'latest', false));
    expect(planDeleteVersion(state, 'users', 'latest', false).result).toBe(1);
    expect(planDeleteVersion(state, 'users', 'latest', true)).toEqual({
      records: [
        { key: ID_HIGH_WATER_KEY, value: { maxId: 2 } },
        { key: schemaKey('users', 2), value: null },
      ],
      result: 2,
    });
    expect(codeOf(() => planDeleteVersion(state, 'users', 2, false))).toBe(40406);
  });

  it('refuses to delete a version a live schema references, softly or as a whole subject', () => {
    const state = twoVersions();
    put(state, stored('orders', 1, 9, record('Order'), { references: [{ name: 'test.User', subject: 'users', version: 2 }] }));
    expect(codeOf(() => planDeleteVersion(state, 'users', 2, false))).toBe(42206);
    expect(codeOf(() => planDeleteSubject(state, 'users', false))).toBe(42206);
    expect(planDeleteVersion(state, 'users', 1, false).result).toBe(1);
  });

  it('hard-deletes one version of a subject whose versions are all soft-deleted', () => {
    const state = twoVersions();
    apply(state, planDeleteSubject(state, 'users', false));
    expect(planDeleteVersion(state, 'users', 1, true)).toEqual({
      records: [
        { key: ID_HIGH_WATER_KEY, value: { maxId: 2 } },
        { key: schemaKey('users', 1), value: null },
      ],
      result: 1,
    });
  });

  it('refuses a soft delete of a subject whose versions are all soft-deleted', () => {
    const state = twoVersions();
    apply(state, planDeleteSubject(state, 'users', false));
    expect(codeOf(() => planDeleteSubject(state, 'users', false))).toBe(40404);
  });
});

describe('levels and modes', () => {
  it('writes a level for a subject or globally, and the global mode', () => {
    expect(planSetCompatibility('users', 'FULL')).toEqual({ records: [{ key: configKey('users'), value: { compatibilityLevel: 'FULL' } }], result: { compatibility: 'FULL' } });
    expect(planSetCompatibility(null, 'NONE')).toEqual({ records: [{ key: configKey(null), value: { compatibilityLevel: 'NONE' } }], result: { compatibility: 'NONE' } });
    expect(planSetMode('READONLY')).toEqual({ records: [{ key: modeKey(null), value: { mode: 'READONLY' } }], result: { mode: 'READONLY' } });
  });

  it('deletes a subject’s level answering the level it had, and the global one answering the current global level', () => {
    const state = new RegistryState();
    state.applyRecord(encodeKey(configKey('users')), encodeValue({ compatibilityLevel: 'FORWARD' }));
    expect(planDeleteCompatibility(state, 'users')).toEqual({ records: [{ key: configKey('users'), value: null }], result: { compatibilityLevel: 'FORWARD' } });
    expect(planDeleteCompatibility(state, null)).toEqual({ records: [{ key: configKey(null), value: null }], result: { compatibilityLevel: 'BACKWARD' } });
    expect(() => planDeleteCompatibility(state, 'orders')).toThrow("Subject 'orders' not found.");
  });
});
