/** The unmodified @confluentinc/schemaregistry client and its Avro serde against apps/schema-registry. */
import { AvroDeserializer, AvroSerializer, Compatibility, SchemaRegistryClient, SerdeType } from '@confluentinc/schemaregistry';
import { RunningSchemaRegistry } from '../../apps/schema-registry/src/bootstrap';
import { ADMIN_USER_INFO, deleteTopic, freshSchemasTopic, recordSchema, startRegistry } from './support';

describe('schema registry with the @confluentinc/schemaregistry client', () => {
  const topic = freshSchemasTopic();
  let registry: RunningSchemaRegistry;
  let client: SchemaRegistryClient;
  const newClient = () => new SchemaRegistryClient({ baseURLs: [registry.url], maxRetries: 0, basicAuthCredentials: ADMIN_USER_INFO });

  beforeAll(async () => {
    registry = await startRegistry(topic);
    client = newClient();
  });

  afterAll(async () => {
    await client?.close();
    await registry?.close();
    await deleteTopic(topic);
  });

  const reading = (fields: unknown[] = []) =>
    JSON.stringify(recordSchema('Reading', [{ name: 'sensor', type: 'string' }, { name: 'value', type: 'float' }, ...fields]));

  it('serializes with auto-registration and deserializes with a fresh client', async () => {
    const serializer = new AvroSerializer(client, SerdeType.VALUE, { autoRegisterSchemas: true });
    // messageToSchema derives the schema from the value itself; registering it is what is under test.
    const bytes = await serializer.serialize('sensors', { sensor: 's-1', temperature: 21.5 });
    expect(bytes[0]).toBe(0);
    const id = bytes.readInt32BE(1);
    expect(await client.getAllSubjects()).toContain('sensors-value');
    const deserializer = new AvroDeserializer(newClient(), SerdeType.VALUE, {});
    expect(await deserializer.deserialize('sensors', bytes)).toEqual({ sensor: 's-1', temperature: 21.5 });
    expect((await client.getLatestSchemaMetadata('sensors-value')).id).toBe(id);
  });

  it('registers, looks up by schema, by version and by id, and serializes with the latest version', async () => {
    const subject = 'readings-value';
    const id = await client.register(subject, { schemaType: 'AVRO', schema: reading(), references: [] });
    expect(await client.register(subject, { schemaType: 'AVRO', schema: reading() })).toBe(id);
    const lookup = newClient();
    expect(await lookup.getId(subject, { schemaType: 'AVRO', schema: reading() })).toBe(id);
    expect(await lookup.getVersion(subject, { schemaType: 'AVRO', schema: reading() })).toBe(1);
    const metadata = await lookup.getSchemaMetadata(subject, 1);
    expect(metadata).toMatchObject({ id, version: 1, subject, schema: reading() });
    expect((await lookup.getBySubjectAndId(subject, id)).schema).toBe(reading());
    expect(await lookup.getAllVersions(subject)).toEqual([1]);

    const serializer = new AvroSerializer(client, SerdeType.VALUE, { useLatestVersion: true });
    const bytes = await serializer.serialize('readings', { sensor: 'a', value: 1.5 });
    expect(bytes.readInt32BE(1)).toBe(id);
    const deserializer = new AvroDeserializer(newClient(), SerdeType.VALUE, {});
    expect(await deserializer.deserialize('readings', bytes)).toEqual({ sensor: 'a', value: 1.5 });
  });

  it('evolves under the subject level: compatible accepted, incompatible rejected with 409, per-subject config', async () => {
    const subject = 'evolving-value';
    const v1 = await client.register(subject, { schemaType: 'AVRO', schema: reading() });
    const compatible = reading([{ name: 'unit', type: 'string', default: 'C' }]);
    const breaking = JSON.stringify(
      recordSchema('Reading', [
        { name: 'sensor', type: 'string' },
        { name: 'value', type: 'string' },
      ]),
    );
    expect(await client.testSubjectCompatibility(subject, { schemaType: 'AVRO', schema: compatible })).toBe(true);
    expect(await client.testCompatibility(subject, 1, { schemaType: 'AVRO', schema: breaking })).toBe(false);
    const v2 = await client.register(subject, { schemaType: 'AVRO', schema: compatible });
    expect(v2).toBeGreaterThan(v1);
    await expect(client.register(subject, { schemaType: 'AVRO', schema: breaking })).rejects.toMatchObject({ status: 409, errorCode: 409 });

    expect(await client.updateCompatibility(subject, Compatibility.NONE)).toBe(Compatibility.NONE);
    expect(await client.getCompatibility(subject)).toBe(Compatibility.NONE);
    expect(await client.getDefaultCompatibility()).toBe(Compatibility.BACKWARD);
    const v3 = await client.register(subject, { schemaType: 'AVRO', schema: breaking });
    expect((await newClient().getLatestSchemaMetadata(subject)).id).toBe(v3);
  });

  it('resolves schema references for the serializer and the deserializer', async () => {
    const location = JSON.stringify(
      recordSchema('Location', [
        { name: 'lat', type: 'double' },
        { name: 'lon', type: 'double' },
      ]),
    );
    await client.register('location-value', { schemaType: 'AVRO', schema: location });
    const withRef = JSON.stringify(
      recordSchema('Placed', [
        { name: 'name', type: 'string' },
        { name: 'at', type: 'e2e.Location' },
      ]),
    );
    const references = [{ name: 'e2e.Location', subject: 'location-value', version: 1 }];
    const id = await client.register('placed-value', { schemaType: 'AVRO', schema: withRef, references });
    const serializer = new AvroSerializer(client, SerdeType.VALUE, { useLatestVersion: true });
    const bytes = await serializer.serialize('placed', { name: 'home', at: { lat: 52.5, lon: 13.4 } });
    expect(bytes.readInt32BE(1)).toBe(id);
    const deserializer = new AvroDeserializer(newClient(), SerdeType.VALUE, {});
    expect(await deserializer.deserialize('placed', bytes)).toEqual({ name: 'home', at: { lat: 52.5, lon: 13.4 } });
  });

  it('soft-deletes and hard-deletes versions and subjects', async () => {
    const subject = 'short-lived-value';
    await client.register(subject, { schemaType: 'AVRO', schema: reading() });
    await client.register(subject, { schemaType: 'AVRO', schema: reading([{ name: 'x', type: 'int', default: 0 }]) });
    expect(await client.deleteSubjectVersion(subject, 2)).toBe(2);
    expect(await client.getAllVersions(subject)).toEqual([1]);
    expect(await client.deleteSubjectVersion(subject, 2, true)).toBe(2);
    expect(await client.deleteSubject(subject)).toEqual([1]);
    expect(await client.getAllSubjects()).not.toContain(subject);
    await expect(client.deleteSubject(subject)).rejects.toMatchObject({ status: 404, errorCode: 40404 });
    expect(await client.deleteSubject(subject, true)).toEqual([1]);
    await expect(newClient().getAllVersions(subject)).rejects.toMatchObject({ status: 404, errorCode: 40401 });
  });

  it('rejects a non-AVRO schema type with 42201', async () => {
    await expect(client.register('json-value', { schemaType: 'JSON', schema: '{"type":"object"}' })).rejects.toMatchObject({
      status: 422,
      errorCode: 42201,
    });
  });
});
