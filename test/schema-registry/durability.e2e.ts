/**
 * The schemas topic is the registry's only state: a restarted registry and a second instance on the
 * same topic serve the same ids, and two instances writing at once never hand out the same id twice.
 */
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { RunningSchemaRegistry } from '../../apps/schema-registry/src/bootstrap';
import { ADMIN_BASIC, call, deleteTopic, freshSchemasTopic, recordSchema, startRegistry } from './support';

const avro = (schema: object) => ({ type: SchemaType.AVRO as const, schema: JSON.stringify(schema) });
const event = (extra: unknown[] = []) => recordSchema('Click', [{ name: 'page', type: 'string' }, { name: 'ms', type: 'long' }, ...extra]);

describe('schema registry durability on the schemas topic', () => {
  const topic = freshSchemasTopic();
  const running: RunningSchemaRegistry[] = [];
  const start = async () => {
    const registry = await startRegistry(topic);
    running.push(registry);
    return registry;
  };

  afterAll(async () => {
    for (const registry of running) await registry.close();
    await deleteTopic(topic);
  });

  it('after a restart the same ids decode the same bytes; a second instance serves them too; concurrent writers never collide', async () => {
    const first = await start();
    const writer = new SchemaRegistry({ host: first.url, auth: ADMIN_BASIC });
    const v1 = await writer.register(avro(event()), { subject: 'clicks-value' });
    const v2 = await writer.register(avro(event([{ name: 'ref', type: ['null', 'string'], default: null }])), { subject: 'clicks-value' });
    const other = await writer.register(avro(recordSchema('View', [{ name: 'page', type: 'string' }])), { subject: 'views-value' });
    await call(first.url, 'PUT', '/config/views-value', { compatibility: 'FULL' });
    const bytes1 = await writer.encode(v1.id, { page: '/a', ms: 1 });
    const bytes2 = await writer.encode(v2.id, { page: '/b', ms: 2, ref: 'x' });
    const bytesOther = await writer.encode(other.id, { page: '/c' });
    await first.close();

    // Restart: a new instance rebuilds everything from the topic.
    const restarted = await start();
    const reader = new SchemaRegistry({ host: restarted.url, auth: ADMIN_BASIC });
    expect(await reader.decode(bytes1)).toEqual({ page: '/a', ms: 1 });
    expect(await reader.decode(bytes2)).toEqual({ page: '/b', ms: 2, ref: 'x' });
    expect(await reader.decode(bytesOther)).toEqual({ page: '/c' });
    expect(await reader.getRegistryId('clicks-value', 1)).toBe(v1.id);
    expect(await reader.getRegistryId('clicks-value', 2)).toBe(v2.id);
    expect((await call(restarted.url, 'GET', '/config/views-value')).body).toEqual({ compatibilityLevel: 'FULL' });
    expect((await reader.register(avro(event()), { subject: 'clicks-value' })).id).toBe(v1.id);
    const afterRestart = await reader.register(avro(recordSchema('Scroll', [{ name: 'depth', type: 'int' }])), {
      subject: 'scrolls-value',
    });
    expect(afterRestart.id).toBe(Math.max(v1.id, v2.id, other.id) + 1);

    // A second instance on the same topic serves the same ids, including writes made on the first.
    const second = await start();
    for (const id of [v1.id, v2.id, other.id, afterRestart.id]) {
      expect((await call(second.url, 'GET', `/schemas/ids/${id}`)).body).toEqual(
        (await call(restarted.url, 'GET', `/schemas/ids/${id}`)).body,
      );
    }
    const writtenOnFirst = await reader.register(avro(recordSchema('Hover', [{ name: 'x', type: 'int' }])), { subject: 'hovers-value' });
    expect(await new SchemaRegistry({ host: second.url, auth: ADMIN_BASIC }).getLatestSchemaId('hovers-value')).toBe(writtenOnFirst.id);

    // Both instances register at the same time: distinct schemas get distinct ids, and both agree.
    const instances = [restarted, second];
    const schemas = Array.from({ length: 6 }, (_, i) => recordSchema(`Concurrent${i}`, [{ name: 'n', type: 'int' }]));
    const results = await Promise.all(
      schemas.map((schema, i) =>
        call(instances[i % 2].url, 'POST', `/subjects/concurrent-${i}-value/versions`, { schema: JSON.stringify(schema) }).then(
          (answer) => {
            expect(answer.status).toBe(200);
            return answer.body.id as number;
          },
        ),
      ),
    );
    expect(new Set(results).size).toBe(schemas.length);
    for (const [i, id] of results.entries()) {
      for (const instance of instances) {
        expect(JSON.parse((await call(instance.url, 'GET', `/schemas/ids/${id}`)).body.schema)).toEqual(schemas[i]);
      }
    }

    // The same new schema registered on both instances at once becomes one version with one id.
    const same = { schema: JSON.stringify(recordSchema('Twice', [{ name: 'n', type: 'int' }])) };
    const [a, b] = await Promise.all(instances.map((instance) => call(instance.url, 'POST', '/subjects/twice-value/versions', same)));
    expect(a.body.id).toBe(b.body.id);
    expect((await call(second.url, 'GET', '/subjects/twice-value/versions')).body).toEqual([1]);
    expect((await call(restarted.url, 'GET', '/subjects/twice-value/versions')).body).toEqual([1]);
  });
});
