/** The unmodified @kafkajs/confluent-schema-registry client against apps/schema-registry and the real broker. */
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { RunningSchemaRegistry } from '../../apps/schema-registry/src/bootstrap';
import { ADMIN_BASIC, deleteTopic, freshSchemasTopic, recordSchema, startRegistry } from './support';

describe('schema registry with the @kafkajs/confluent-schema-registry client', () => {
  const topic = freshSchemasTopic();
  let registry: RunningSchemaRegistry;
  let client: SchemaRegistry;

  beforeAll(async () => {
    registry = await startRegistry(topic);
    client = new SchemaRegistry({ host: registry.url, auth: ADMIN_BASIC, retry: { retries: 0 } });
  });

  afterAll(async () => {
    await registry?.close();
    await deleteTopic(topic);
  });

  const v1 = recordSchema('Order', [
    { name: 'id', type: 'string' },
    { name: 'amount', type: 'int' },
  ]);
  const v2 = recordSchema('Order', [
    { name: 'id', type: 'string' },
    { name: 'amount', type: 'long' },
    { name: 'currency', type: 'string', default: 'EUR' },
  ]);

  it('registers, encodes and decodes, and finds the id by subject, version and schema', async () => {
    const subject = 'orders-value';
    const { id } = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(v1) }, { subject });
    const again = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(v1) }, { subject });
    expect(again.id).toBe(id);

    const bytes = await client.encode(id, { id: 'o-1', amount: 42 });
    expect(bytes[0]).toBe(0);
    expect(bytes.readInt32BE(1)).toBe(id);
    // A client that has never seen the schema fetches it by id.
    const fresh = new SchemaRegistry({ host: registry.url, auth: ADMIN_BASIC });
    expect(await fresh.decode(bytes)).toEqual({ id: 'o-1', amount: 42 });

    expect(await client.getLatestSchemaId(subject)).toBe(id);
    expect(await client.getRegistryId(subject, 1)).toBe(id);
    expect(await client.getRegistryId(subject, 'latest')).toBe(id);
    expect(await client.getRegistryIdBySchema(subject, { type: SchemaType.AVRO, schema: JSON.stringify(v1) })).toBe(id);
  });

  it('evolves compatibly (old bytes read with the new schema) and rejects an incompatible change with 409', async () => {
    const subject = 'orders-evolve-value';
    const first = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(v1) }, { subject });
    const oldBytes = await client.encode(first.id, { id: 'o-2', amount: 7 });
    const second = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(v2) }, { subject });
    expect(second.id).not.toBe(first.id);
    expect(await client.getLatestSchemaId(subject)).toBe(second.id);
    const decoded = await client.decode(oldBytes, { [SchemaType.AVRO]: { readerSchema: v2 as any } });
    expect(decoded).toEqual({ id: 'o-2', amount: 7, currency: 'EUR' });

    const incompatible = recordSchema('Order', [
      { name: 'id', type: 'string' },
      { name: 'amount', type: 'long' },
      { name: 'currency', type: 'string', default: 'EUR' },
      { name: 'customer', type: 'string' },
    ]);
    const failure = await client
      .register({ type: SchemaType.AVRO, schema: JSON.stringify(incompatible) }, { subject })
      .catch((error) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(failure.status).toBe(409);
    expect(await client.getLatestSchemaId(subject)).toBe(second.id);
  });

  it('sets the compatibility the client asks for on a new subject and honours it', async () => {
    const subject = 'orders-free-value';
    await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(v1) }, { subject, compatibility: COMPATIBILITY.NONE });
    const unrelated = recordSchema('Order', [{ name: 'anything', type: 'boolean' }]);
    const { id } = await client.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(unrelated) },
      { subject, compatibility: COMPATIBILITY.NONE },
    );
    expect(await client.getLatestSchemaId(subject)).toBe(id);
    // The client refuses to register when the subject's level differs from what it expects.
    await expect(client.register({ type: SchemaType.AVRO, schema: JSON.stringify(v1) }, { subject })).rejects.toThrow(
      /Compatibility does not match/,
    );
  });

  it('the same schema under another subject keeps its global id', async () => {
    const a = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(v1) }, { subject: 'shared-a-value' });
    const b = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(v1) }, { subject: 'shared-b-value' });
    expect(b.id).toBe(a.id);
  });
});
