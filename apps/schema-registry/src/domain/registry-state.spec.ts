import { RegistryState } from './registry-state';
import { configKey, encodeKey, encodeValue, ID_HIGH_WATER_KEY, modeKey, schemaKey, SchemaValue } from './store-records';

const value = (subject: string, version: number, id: number, extra: Partial<SchemaValue> = {}): SchemaValue => ({
  subject,
  version,
  id,
  schemaType: 'AVRO',
  schema: '"string"',
  references: [],
  deleted: false,
  ...extra,
});

describe('RegistryState', () => {
  it('writes keys as the same bytes for the same logical key (compaction compares bytes)', () => {
    expect(encodeKey(schemaKey('s', 1))).toBe('{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}');
    expect(encodeKey(configKey(null))).toBe('{"keytype":"CONFIG","subject":null,"magic":0}');
  });

  it('applies records, replaces a key with its newer record and removes it with a tombstone', () => {
    const state = new RegistryState();
    expect(state.applyRecord(encodeKey(schemaKey('s', 1)), encodeValue(value('s', 1, 4)))).toBe(true);
    expect(state.applyRecord(encodeKey(schemaKey('s', 2)), encodeValue(value('s', 2, 5)))).toBe(true);
    expect(state.applyRecord(encodeKey(schemaKey('s', 1)), encodeValue(value('s', 1, 4, { deleted: true })))).toBe(true);
    expect(state.versionsOf('s', false).map((v) => v.version)).toEqual([2]);
    expect(state.versionsOf('s', true).map((v) => v.version)).toEqual([1, 2]);
    expect(state.schemaById(4)?.deleted).toBe(true);
    expect(state.applyRecord(encodeKey(schemaKey('s', 1)), null)).toBe(true);
    expect(state.schemaById(4)).toBeUndefined();
    expect(state.maxId()).toBe(5);
    expect(state.nextVersion('s')).toBe(3);
  });

  it('keeps the highest id across hard deletes through the high-water record', () => {
    const state = new RegistryState();
    state.applyRecord(encodeKey(ID_HIGH_WATER_KEY), encodeValue({ maxId: 9 }));
    expect(state.maxId()).toBe(9);
  });

  it('skips records it does not understand without changing anything', () => {
    const state = new RegistryState();
    expect(state.applyRecord('not json', '{}')).toBe(false);
    expect(state.applyRecord(null, '{}')).toBe(false);
    expect(state.applyRecord('{"keytype":"SOMETHING"}', '{}')).toBe(false);
    expect(state.applyRecord(encodeKey(schemaKey('s', 1)), '{"subject":"s","version":1}')).toBe(false);
    expect(state.applyRecord(encodeKey(schemaKey('s', 1)), encodeValue(value('other', 1, 1)))).toBe(false);
    expect(state.applyRecord(encodeKey(configKey('s')), '{"compatibilityLevel":"SIDEWAYS"}')).toBe(false);
    expect(state.subjectNames(true)).toEqual([]);
    expect(state.effectiveCompatibility('s')).toBe('BACKWARD');
  });

  it('subject levels override the global level; a config tombstone removes it', () => {
    const state = new RegistryState();
    state.applyRecord(encodeKey(configKey(null)), encodeValue({ compatibilityLevel: 'FULL' }));
    state.applyRecord(encodeKey(configKey('s')), encodeValue({ compatibilityLevel: 'NONE' }));
    expect(state.effectiveCompatibility('s')).toBe('NONE');
    expect(state.effectiveCompatibility('t')).toBe('FULL');
    state.applyRecord(encodeKey(configKey('s')), null);
    expect(state.effectiveCompatibility('s')).toBe('FULL');
  });

  const put = (state: RegistryState, v: SchemaValue) => state.applyRecord(encodeKey(schemaKey(v.subject, v.version)), encodeValue(v));

  it('keeps the highest id: a high-water record never lowers it, and a malformed one is skipped', () => {
    const state = new RegistryState();
    put(state, value('s', 1, 6));
    expect(state.applyRecord(encodeKey(ID_HIGH_WATER_KEY), encodeValue({ maxId: 3 }))).toBe(true);
    expect(state.maxId()).toBe(6);
    expect(state.applyRecord(encodeKey(ID_HIGH_WATER_KEY), '{"maxId":7.5}')).toBe(false);
    expect(state.applyRecord(encodeKey(ID_HIGH_WATER_KEY), null)).toBe(false);
    expect(state.maxId()).toBe(6);
    // A hard delete of the highest schema keeps its id taken.
    state.applyRecord(encodeKey(schemaKey('s', 1)), null);
    expect(state.maxId()).toBe(6);
    expect(state.applyRecord('{"keytype":"NOOP","magic":0}', null)).toBe(true);
  });

  it('reads the global mode; a tombstone restores READWRITE, a subject mode or an unknown one is skipped', () => {
    const state = new RegistryState();
    expect(state.mode()).toBe('READWRITE');
    expect(state.applyRecord(encodeKey(modeKey(null)), encodeValue({ mode: 'READONLY' }))).toBe(true);
    expect(state.mode()).toBe('READONLY');
    expect(state.applyRecord(encodeKey(modeKey('s')), encodeValue({ mode: 'IMPORT' }))).toBe(false);
    expect(state.applyRecord(encodeKey(modeKey(null)), encodeValue({ mode: 'SLEEPING' }))).toBe(false);
    expect(state.mode()).toBe('READONLY');
    expect(state.applyRecord(encodeKey(modeKey(null)), null)).toBe(true);
    expect(state.mode()).toBe('READWRITE');
  });

  it('a global config tombstone restores the default level; a subject without its own level has none', () => {
    const state = new RegistryState();
    state.applyRecord(encodeKey(configKey(null)), '{"compatibilityLevel":"full_transitive"}');
    expect(state.globalCompatibility()).toBe('FULL_TRANSITIVE');
    expect(state.subjectCompatibility('s')).toBeUndefined();
    expect(state.applyRecord(encodeKey(configKey(null)), null)).toBe(true);
    expect(state.globalCompatibility()).toBe('BACKWARD');
  });

  it('lists subjects sorted, without those whose versions are all soft-deleted unless asked', () => {
    const state = new RegistryState();
    put(state, value('zeta', 1, 1));
    put(state, value('alpha', 1, 2, { deleted: true }));
    put(state, value('mid', 1, 3));
    expect(state.subjectNames(false)).toEqual(['mid', 'zeta']);
    expect(state.subjectNames(true)).toEqual(['alpha', 'mid', 'zeta']);
    // A subject whose last version is hard-deleted is gone.
    state.applyRecord(encodeKey(schemaKey('zeta', 1)), null);
    expect(state.subjectNames(true)).toEqual(['alpha', 'mid']);
    expect(state.versionsOf('zeta', true)).toEqual([]);
    expect(state.nextVersion('zeta')).toBe(1);
  });

  it('orders versions oldest first, the latest live or of all, and the next version past every held one', () => {
    const state = new RegistryState();
    put(state, value('s', 3, 3, { deleted: true }));
    put(state, value('s', 1, 1));
    put(state, value('s', 2, 2));
    expect(state.versionsOf('s', true).map((v) => v.version)).toEqual([1, 2, 3]);
    expect(state.latest('s', false)?.version).toBe(2);
    expect(state.latest('s', true)?.version).toBe(3);
    expect(state.latest('other', true)).toBeUndefined();
    expect(state.nextVersion('s')).toBe(4);
    expect(state.getVersion('s', 2)?.id).toBe(2);
    expect(state.getVersion('other', 1)).toBeUndefined();
  });

  it('finds a schema by id, preferring a live holder, and its usages sorted by subject and version', () => {
    const state = new RegistryState();
    put(state, value('b', 2, 7, { deleted: true }));
    put(state, value('b', 1, 7));
    put(state, value('a', 3, 7));
    put(state, value('c', 1, 8, { deleted: true }));
    expect(state.schemaById(7)).toMatchObject({ deleted: false });
    expect(state.schemaById(8)).toMatchObject({ subject: 'c', deleted: true });
    expect(state.schemaById(9)).toBeUndefined();
    expect(state.usagesOfId(7, true)).toEqual([
      { subject: 'a', version: 3 },
      { subject: 'b', version: 1 },
      { subject: 'b', version: 2 },
    ]);
    expect(state.usagesOfId(7, false)).toEqual([
      { subject: 'a', version: 3 },
      { subject: 'b', version: 1 },
    ]);
    expect(state.usagesOfId(9, true)).toEqual([]);
    // Replacing a record moves its id.
    put(state, value('c', 1, 9, { deleted: true }));
    expect(state.schemaById(8)).toBeUndefined();
    expect(state.schemaById(9)).toMatchObject({ subject: 'c' });
    state.applyRecord(encodeKey(schemaKey('b', 1)), null);
    expect(state.usagesOfId(7, true)).toEqual([
      { subject: 'a', version: 3 },
      { subject: 'b', version: 2 },
    ]);
  });

  it('lists the ids of the live schemas referencing a version, sorted and once each', () => {
    const state = new RegistryState();
    const ref = { name: 'x.A', subject: 'a', version: 1 };
    put(state, value('a', 1, 1));
    put(state, value('u', 1, 9, { references: [ref] }));
    put(state, value('v', 1, 4, { references: [{ ...ref, version: 2 }, ref] }));
    put(state, value('w', 1, 4, { references: [ref] }));
    put(state, value('x', 1, 5, { references: [ref], deleted: true }));
    put(state, value('y', 1, 6, { references: [{ ...ref, subject: 'b' }] }));
    expect(state.referencedBy('a', 1)).toEqual([4, 9]);
    expect(state.referencedBy('a', 2)).toEqual([4]);
    expect(state.referencedBy('a', 3)).toEqual([]);
  });

  it('skips a schema record whose value names another version, and values that are not JSON', () => {
    const state = new RegistryState();
    expect(state.applyRecord(encodeKey(schemaKey('s', 1)), encodeValue(value('s', 2, 1)))).toBe(false);
    expect(state.applyRecord(encodeKey(configKey('s')), 'not json')).toBe(false);
    expect(state.applyRecord(encodeKey(modeKey(null)), 'not json')).toBe(false);
    expect(state.applyRecord(encodeKey(ID_HIGH_WATER_KEY), 'not json')).toBe(false);
    expect(state.subjectNames(true)).toEqual([]);
    expect(state.subjectCompatibility('s')).toBeUndefined();
    expect(state.mode()).toBe('READWRITE');
    expect(state.maxId()).toBe(0);
  });

  it('takes a tombstone for a version a subject does not hold as a no-op', () => {
    const state = new RegistryState();
    put(state, value('s', 1, 1));
    expect(state.applyRecord(encodeKey(schemaKey('s', 2)), null)).toBe(true);
    expect(state.applyRecord(encodeKey(schemaKey('t', 1)), null)).toBe(true);
    expect(state.versionsOf('s', true).map((v) => v.version)).toEqual([1]);
    expect(state.schemaById(1)?.subject).toBe('s');
  });
});
