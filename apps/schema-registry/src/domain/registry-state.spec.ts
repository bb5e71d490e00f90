import { RegistryState } from './registry-state';
import { configKey, encodeKey, encodeValue, ID_HIGH_WATER_KEY, schemaKey, SchemaValue } from './store-records';

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
});
