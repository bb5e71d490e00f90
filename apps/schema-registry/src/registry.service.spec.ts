import fc from 'fast-check';
import { Plan } from './domain/registry-commands';
import { RegistryError } from './domain/registry-errors';
import { RegistryState } from './domain/registry-state';
import { encodeKey, encodeValue } from './domain/store-records';
import { RegistryService } from './registry.service';
import { SchemaLog } from './store/schema-log';

/** The schemas topic as an in-memory array (the Kafka-backed log is covered by the e2e tests). */
class InMemoryLog implements SchemaLog {
  readonly records: Array<{ key: string; value: string | null }> = [];
  state = new RegistryState();
  async catchUp(): Promise<void> {}
  async write<T>(plan: (state: RegistryState) => Plan<T>): Promise<T> {
    const { records, result } = plan(this.state);
    for (const record of records) {
      const encoded = { key: encodeKey(record.key), value: encodeValue(record.value) };
      this.records.push(encoded);
      this.state.applyRecord(encoded.key, encoded.value);
    }
    return result;
  }
  async close(): Promise<void> {}
  /** What log compaction keeps: the last record of each key, in offset order. */
  compacted(): Array<{ key: string; value: string | null }> {
    const lastIndex = new Map<string, number>();
    this.records.forEach((record, index) => lastIndex.set(record.key, index));
    return this.records.filter((record, index) => lastIndex.get(record.key) === index);
  }
}

const user = (fields: unknown[] = []) =>
  JSON.stringify({ type: 'record', name: 'User', namespace: 'test', fields: [{ name: 'id', type: 'string' }, ...fields] });
const req = (schema: string) => ({ schema, references: [] });

async function expectRegistryError(promise: Promise<unknown>, errorCode: number): Promise<void> {
  await expect(promise).rejects.toBeInstanceOf(RegistryError);
  await promise.catch((error: RegistryError) => expect(error.errorCode).toBe(errorCode));
}

describe('RegistryService with an in-memory log instead of Kafka', () => {
  let log: InMemoryLog;
  let registry: RegistryService;
  beforeEach(() => {
    log = new InMemoryLog();
    registry = new RegistryService(log);
  });

  it('registers, answers the same id for the same schema, and reuses the id under another subject', async () => {
    const first = await registry.register('a', req(user()), false);
    const again = await registry.register('a', req(JSON.stringify(JSON.parse(user()), null, 2)), false);
    const elsewhere = await registry.register('b', req(user()), false);
    expect(again).toEqual(first);
    expect(elsewhere.id).toBe(first.id);
    expect(elsewhere.version).toBe(1);
    const next = await registry.register('a', req(user([{ name: 'n', type: 'int', default: 0 }])), false);
    expect(next.id).toBe(first.id + 1);
    expect(next.version).toBe(2);
    expect(await registry.listVersions('a', false)).toEqual([1, 2]);
    expect((await registry.getVersion('a', 'latest', false)).version).toBe(2);
    expect((await registry.getVersion('a', '-1', false)).version).toBe(2);
    expect(await registry.usagesOfId(first.id, false)).toEqual([
      { subject: 'a', version: 1 },
      { subject: 'b', version: 1 },
    ]);
    expect(log.records).toHaveLength(3); // the repeated registration wrote nothing
  });

  it('rejects an incompatible schema with 409 and writes nothing', async () => {
    await registry.register('a', req(user()), false);
    const before = log.records.length;
    await expectRegistryError(registry.register('a', req(user([{ name: 'required', type: 'int' }])), false), 409);
    expect(log.records).toHaveLength(before);
    await registry.setCompatibility('a', 'NONE');
    await expect(registry.register('a', req(user([{ name: 'required', type: 'int' }])), false)).resolves.toMatchObject({ version: 2 });
  });

  it('answers the Confluent error codes for unknown subjects, versions, ids and bad input', async () => {
    await registry.register('a', req(user()), false);
    await expectRegistryError(registry.getVersion('nope', '1', false), 40401);
    await expectRegistryError(registry.getVersion('a', '9', false), 40402);
    await expectRegistryError(registry.getVersion('a', '0', false), 42202);
    await expectRegistryError(registry.getVersion('a', 'first', false), 42202);
    await expectRegistryError(registry.schemaById(77, false), 40403);
    await expectRegistryError(registry.lookup('a', req(user([{ name: 'x', type: 'int', default: 1 }])), false, false), 40403);
    await expectRegistryError(registry.lookup('nope', req(user()), false, false), 40401);
    await expectRegistryError(registry.register('a', req('{"type": "record", "name": "Broken"'), false), 42201);
    await expectRegistryError(registry.register('a', req('{"type": "recurd", "name": "X", "fields": []}'), false), 42201);
    await expectRegistryError(
      registry.register('a', req('{"type":"record","name":"D","fields":[{"name":"n","type":"int","default":"x"}]}'), false),
      42201,
    );
    await expectRegistryError(registry.subjectCompatibility('a', false), 40408);
    expect(await registry.subjectCompatibility('a', true)).toEqual({ compatibilityLevel: 'BACKWARD' });
  });

  it('soft-deletes, hides, then hard-deletes versions and subjects with Confluent’s rules', async () => {
    const v1 = await registry.register('a', req(user()), false);
    await registry.register('a', req(user([{ name: 'n', type: 'int', default: 0 }])), false);
    await expectRegistryError(registry.deleteVersion('a', '1', true), 40407); // not soft-deleted first
    expect(await registry.deleteVersion('a', '1', false)).toBe(1);
    await expectRegistryError(registry.deleteVersion('a', '1', false), 40406);
    await expectRegistryError(registry.getVersion('a', '1', false), 40402);
    expect((await registry.getVersion('a', '1', true)).id).toBe(v1.id);
    expect(await registry.listVersions('a', false)).toEqual([2]);
    expect(await registry.listVersions('a', true)).toEqual([1, 2]);
    await expectRegistryError(registry.deleteSubject('a', true), 40405);
    expect(await registry.deleteSubject('a', false)).toEqual([2]);
    await expectRegistryError(registry.deleteSubject('a', false), 40404);
    expect(registry.listSubjects(false, undefined)).toEqual([]);
    expect(registry.listSubjects(true, undefined)).toEqual(['a']);
    // The id still resolves while any record holds it, so old data stays decodable.
    expect((await registry.schemaById(v1.id, false)).schema).toBe(user());
    expect(await registry.deleteSubject('a', true)).toEqual([1, 2]);
    await expectRegistryError(registry.schemaById(v1.id, false), 40403);
    await expectRegistryError(registry.deleteSubject('a', false), 40401);
    // Ids are never reused, even after the highest one was hard-deleted.
    const fresh = await registry.register('c', req(user([{ name: 'other', type: 'long', default: 0 }])), false);
    expect(fresh.id).toBe(3);
    expect(fresh.version).toBe(1);
  });

  it('re-registering a soft-deleted schema gives a new version with the same id', async () => {
    const first = await registry.register('a', req(user()), false);
    await registry.deleteVersion('a', 'latest', false);
    const again = await registry.register('a', req(user()), false);
    expect(again.id).toBe(first.id);
    expect(again.version).toBe(2);
  });

  it('normalize=true matches differently spelled equal schemas', async () => {
    const spelled = JSON.stringify({ type: 'record', name: 'test.User', fields: [{ type: { type: 'string' }, name: 'id' }] });
    const first = await registry.register('a', req(user()), true);
    await expect(registry.register('a', req(spelled), true)).resolves.toEqual(first);
    await expect(registry.lookup('a', req(spelled), true, false)).resolves.toMatchObject({ id: first.id, version: 1 });
    await expectRegistryError(registry.lookup('a', req(spelled), false, false), 40403);
  });

  it('tests compatibility against a version, latest, or the versions the level covers', async () => {
    await registry.register('a', req(user()), false);
    const breaking = req(user([{ name: 'x', type: 'int' }]));
    expect(await registry.testCompatibility('a', 'latest', breaking, false)).toEqual({ is_compatible: false });
    const verbose = await registry.testCompatibility('a', '1', breaking, true);
    expect(verbose.is_compatible).toBe(false);
    expect(verbose.messages?.[0]).toContain('READER_FIELD_MISSING_DEFAULT_VALUE');
    expect(await registry.testCompatibility('a', undefined, req(user([{ name: 'x', type: 'int', default: 0 }])), true)).toEqual({
      is_compatible: true,
      messages: [],
    });
    expect(await registry.testCompatibility('new-subject', 'latest', breaking, false)).toEqual({ is_compatible: true });
    await expectRegistryError(registry.testCompatibility('new-subject', '1', breaking, false), 40401);
    await expectRegistryError(registry.testCompatibility('a', '5', breaking, false), 40402);
  });

  it('resolves schema references to other subjects and refuses to delete a referenced version', async () => {
    const address = JSON.stringify({ type: 'record', name: 'Address', namespace: 'test', fields: [{ name: 'city', type: 'string' }] });
    await registry.register('address', req(address), false);
    const withRef = {
      schema: user([{ name: 'home', type: 'test.Address' }]),
      references: [{ name: 'test.Address', subject: 'address', version: 1 }],
    };
    const registered = await registry.register('user', withRef, false);
    expect(registered.references).toEqual(withRef.references);
    expect((await registry.schemaById(registered.id, false)).references).toEqual(withRef.references);
    expect(await registry.referencedBy('address', '1')).toEqual([registered.id]);
    await expectRegistryError(registry.deleteVersion('address', '1', false), 42206);
    await expectRegistryError(registry.register('user2', { ...withRef, references: [] }, false), 42201);
    await expectRegistryError(
      registry.register('user3', { ...withRef, references: [{ name: 'test.Address', subject: 'address', version: 4 }] }, false),
      42201,
    );
  });

  it('global and subject compatibility levels, and their deletion', async () => {
    expect(registry.globalCompatibility()).toEqual({ compatibilityLevel: 'BACKWARD' });
    await registry.setCompatibility(null, 'FULL');
    expect(registry.globalCompatibility()).toEqual({ compatibilityLevel: 'FULL' });
    await registry.setCompatibility('a', 'NONE');
    expect(await registry.subjectCompatibility('a', false)).toEqual({ compatibilityLevel: 'NONE' });
    expect(await registry.deleteCompatibility('a')).toEqual({ compatibilityLevel: 'NONE' });
    await expectRegistryError(registry.deleteCompatibility('a'), 40401);
    expect(await registry.subjectCompatibility('a', true)).toEqual({ compatibilityLevel: 'FULL' });
    await registry.deleteCompatibility(null);
    expect(registry.globalCompatibility()).toEqual({ compatibilityLevel: 'BACKWARD' });
  });

  it('READONLY mode refuses writes with 42205', async () => {
    await registry.setMode('READONLY');
    await expectRegistryError(registry.register('a', req(user()), false), 42205);
    await registry.setMode('READWRITE');
    await expect(registry.register('a', req(user()), false)).resolves.toMatchObject({ id: 1 });
  });

  it('property: replaying the compacted log gives the same answers as the live state', async () => {
    const schemas = [
      user(),
      user([{ name: 'a', type: 'int', default: 0 }]),
      user([{ name: 'b', type: 'string', default: '' }]),
      user([{ name: 'c', type: 'long' }]),
    ];
    const operation = fc.oneof(
      fc.record({ op: fc.constant('register' as const), subject: fc.constantFrom('s1', 's2'), schema: fc.nat(schemas.length - 1) }),
      fc.record({
        op: fc.constant('delete' as const),
        subject: fc.constantFrom('s1', 's2'),
        version: fc.constantFrom('1', '2', 'latest'),
        permanent: fc.boolean(),
      }),
      fc.record({ op: fc.constant('deleteSubject' as const), subject: fc.constantFrom('s1', 's2'), permanent: fc.boolean() }),
      fc.record({
        op: fc.constant('config' as const),
        subject: fc.constantFrom('s1', null),
        level: fc.constantFrom('NONE' as const, 'BACKWARD' as const, 'FULL' as const),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { maxLength: 25 }), async (operations) => {
        const live = new InMemoryLog();
        const service = new RegistryService(live);
        for (const o of operations) {
          const run =
            o.op === 'register'
              ? service.register(o.subject, req(schemas[o.schema]), false)
              : o.op === 'delete'
                ? service.deleteVersion(o.subject, o.version, o.permanent)
                : o.op === 'deleteSubject'
                  ? service.deleteSubject(o.subject, o.permanent)
                  : service.setCompatibility(o.subject, o.level);
          await run.catch((error) => {
            if (!(error instanceof RegistryError)) throw error;
          });
        }
        const replayed = new RegistryState();
        for (const record of live.compacted()) replayed.applyRecord(record.key, record.value);
        const snapshot = (state: RegistryState) => ({
          subjects: state.subjectNames(true).map((s) => ({ s, versions: state.versionsOf(s, true), level: state.subjectCompatibility(s) })),
          global: state.globalCompatibility(),
          ids: Array.from({ length: live.state.maxId() }, (_, i) => state.schemaById(i + 1)?.schema),
        });
        expect(snapshot(replayed)).toEqual(snapshot(live.state));
        expect(replayed.maxId()).toBe(live.state.maxId());
      }),
      { numRuns: 150 },
    );
  });
});
