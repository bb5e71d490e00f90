import { readFileSync } from 'fs';
import { resolve } from 'path';
import { EventTypeSpec, PipelineConfig, RetriesExhaustedError } from '@platform/runtime';
import { SchemaCatalog } from './catalog';
import { decodeBody, decodedValue, isDefiniteRegistryAnswer, lookupFailure, RegistryUnavailableError, WriterSchema } from './decode';
import { frame } from './framing';
import { RegistryError } from './registry-client';
import { parseAvroSchema } from './validation';

const READING = JSON.stringify({
  type: 'record',
  name: 'Reading',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'value', type: 'double' },
  ],
});
const readingType = parseAvroSchema(READING);
const reading = { id: 'r-1', value: 2.5 };

/** A fake registry: `schemas` answers by id, `failures` fails by id; every fetch is counted. */
function fakeRegistry(schemas: Record<number, string>, failures: Record<number, unknown> = {}) {
  const fetched: number[] = [];
  return {
    fetched,
    register: async () => {
      throw new Error('not used');
    },
    schemaById: async (id: number) => {
      fetched.push(id);
      if (id in failures) throw failures[id];
      if (id in schemas) return schemas[id];
      throw new RegistryError('Schema not found', 404, 40403);
    },
  };
}

const pipeline = {} as PipelineConfig;
const catalogOn = (registry: ReturnType<typeof fakeRegistry>, lookupTimeoutMs?: number) =>
  new SchemaCatalog(registry, pipeline, { lookupTimeoutMs });

describe('SchemaCatalog.decode (fake registry)', () => {
  it('decodes a framed record with its writer schema, fetched once per id even when asked concurrently', async () => {
    const registry = fakeRegistry({ 7: READING });
    const catalog = catalogOn(registry);
    const bytes = frame(7, readingType.toBuffer(reading));
    const [first, second] = await Promise.all([catalog.decode(bytes), catalog.decode(bytes)]);
    expect(first).toMatchObject({ kind: 'ok', value: reading, schemaId: 7, schema: { id: 7, text: READING } });
    expect(second).toEqual(first);
    expect(await catalog.decode(bytes)).toEqual(first);
    expect(registry.fetched).toEqual([7]);
  });

  it('calls a missing value, bad framing and a body the schema cannot read poison, with the reason', async () => {
    const catalog = catalogOn(fakeRegistry({ 7: READING }));
    expect(await catalog.decode(null)).toEqual({ kind: 'poison', problem: 'no-value', reason: 'record has no value' });
    expect(await catalog.decode(undefined)).toEqual({ kind: 'poison', problem: 'no-value', reason: 'record has no value' });
    expect(await catalog.decode(Buffer.from([0, 0, 0]))).toEqual({
      kind: 'poison',
      problem: 'framing',
      reason: 'record of 3 bytes is too short for the Confluent wire format',
    });
    expect(await catalog.decode(Buffer.from([1, 0, 0, 0, 7, 0]))).toEqual({
      kind: 'poison',
      problem: 'framing',
      reason: 'unknown magic byte 1; expected 0 (Confluent wire format)',
    });
    const truncated = await catalog.decode(frame(7, readingType.toBuffer(reading)).subarray(0, 8));
    expect(truncated).toMatchObject({ kind: 'poison', problem: 'body', schemaId: 7 });
    expect(truncated.kind === 'poison' && truncated.reason.startsWith('cannot decode with schema 7: ')).toBe(true);
  });

  it('calls an id the registry does not know poison (404, 400, 422, also after the client gave up retrying)', async () => {
    const registry = fakeRegistry(
      {},
      {
        8: new RegistryError('bad', 422),
        9: new RegistryError('bad request', 400),
        10: new RetriesExhaustedError(4, new RegistryError('gone', 404)),
      },
    );
    const catalog = catalogOn(registry);
    expect(await catalog.decode(frame(99, Buffer.alloc(0)))).toEqual({
      kind: 'poison',
      problem: 'unknown-schema',
      reason: 'unknown schema id 99 (the registry does not know it)',
      schemaId: 99,
    });
    for (const id of [8, 9, 10])
      expect(await catalog.decode(frame(id, Buffer.alloc(0)))).toMatchObject({ kind: 'poison', problem: 'unknown-schema', schemaId: id });
  });

  it('calls a registry that cannot answer unavailable (5xx, 429, refused credentials, network, retries exhausted) and asks again next time', async () => {
    const failures: Record<number, unknown> = {
      1: new RegistryError('down', 503),
      2: new RegistryError('slow down', 429),
      3: new RegistryError('unauthorized', 401),
      4: new RegistryError('forbidden', 403),
      5: new TypeError('fetch failed'),
      6: new RetriesExhaustedError(4, new RegistryError('odd', 500)),
      7: new Error('schema registry did not answer GET /schemas/ids/7 within 2000 ms'),
    };
    const registry = fakeRegistry({}, failures);
    const catalog = catalogOn(registry);
    for (const id of Object.keys(failures).map(Number)) {
      const result = await catalog.decode(frame(id, Buffer.alloc(0)));
      expect(result).toMatchObject({ kind: 'unavailable', schemaId: id });
      expect(result.kind === 'unavailable' && result.reason).toContain(`schema id ${id}`);
    }
    delete failures[1];
    const later = fakeRegistry({ 1: READING }, failures);
    const recovered = catalogOn(later);
    expect(await recovered.decode(frame(1, readingType.toBuffer(reading)))).toMatchObject({ kind: 'ok', value: reading });
    // The failed answers were not kept: the first catalog asks again.
    await catalog.decode(frame(1, Buffer.alloc(0)));
    expect(registry.fetched.filter((id) => id === 1)).toHaveLength(2);
  });

  it('answers unavailable when the registry does not answer within the lookup timeout', async () => {
    jest.useFakeTimers();
    try {
      const hanging = { ...fakeRegistry({}), schemaById: () => new Promise<string>(() => undefined) };
      const catalog = new SchemaCatalog(hanging, pipeline, { lookupTimeoutMs: 500 });
      const pending = catalog.decode(frame(3, Buffer.alloc(0)));
      await jest.advanceTimersByTimeAsync(500);
      expect(await pending).toEqual({
        kind: 'unavailable',
        reason: 'schema registry unavailable for schema id 3: schema lookup timed out after 500 ms',
        schemaId: 3,
      });
    } finally {
      jest.useRealTimers();
    }
  });

  it('calls a schema avsc cannot read, or one that is not a record, poison', async () => {
    const catalog = catalogOn(fakeRegistry({ 4: '{"type":"nope"}', 5: '"string"' }));
    const unusable = await catalog.decode(frame(4, Buffer.alloc(0)));
    expect(unusable).toMatchObject({ kind: 'poison', problem: 'invalid-schema', schemaId: 4 });
    expect(unusable.kind === 'poison' && unusable.reason.startsWith('schema 4 is not a usable Avro schema: ')).toBe(true);
    expect(await catalog.decode(frame(5, parseAvroSchema('"string"').toBuffer('x')))).toEqual({
      kind: 'poison',
      problem: 'invalid-schema',
      reason: 'schema 5 is not a record schema',
      schemaId: 5,
    });
  });

  it('gives the writer schema of an id with the same answers as decode', async () => {
    const catalog = catalogOn(fakeRegistry({ 7: READING }, { 2: new RegistryError('down', 503) }));
    expect(await catalog.writerSchema(7)).toMatchObject({ kind: 'ok', schema: { id: 7, text: READING } });
    expect(await catalog.writerSchema(1)).toMatchObject({ kind: 'poison', problem: 'unknown-schema' });
    expect(await catalog.writerSchema(2)).toMatchObject({ kind: 'unavailable' });
  });
});

describe('SchemaCatalog.registerPipelineSchemas (fake registry)', () => {
  const root = resolve(__dirname, '../../..');
  const eventType = (name: string, topic: string) =>
    ({ name, topic, subject: `${topic}-value`, schemaPath: resolve(root, `schemas/${name}.avsc`) }) as EventTypeSpec;
  const config = {
    rootDir: root,
    eventTypes: [eventType('iot.sensor', 'events.iot.sensor'), eventType('clickstream', 'events.clickstream')],
    topics: { aggregated: { name: 'events.aggregated' } },
  } as unknown as PipelineConfig;

  function registering() {
    const registered: Array<{ subject: string; text: string }> = [];
    const registry = {
      register: async (subject: string, text: string) => {
        registered.push({ subject, text });
        return 100 + registered.length;
      },
      schemaById: async (): Promise<string> => {
        throw new Error('not used: every registered id is known');
      },
    };
    return { registered, registry };
  }

  it('registers each event type under its subject and the aggregate under <aggregated topic>-value, in compact JSON', async () => {
    const { registered, registry } = registering();
    const catalog = new SchemaCatalog(registry, config);
    await catalog.registerPipelineSchemas();
    expect(registered.map((r) => r.subject)).toEqual(['events.iot.sensor-value', 'events.clickstream-value', 'events.aggregated-value']);
    const compact = JSON.stringify(JSON.parse(readFileSync(resolve(root, 'schemas/aggregated.avsc'), 'utf8')));
    expect(registered[2].text).toBe(compact);
    expect(registered[2].text).not.toContain('\n');
    expect(catalog.forEventType('iot.sensor')).toMatchObject({ id: 101, subject: 'events.iot.sensor-value' });
    expect(catalog.forEventType(config.eventTypes[1])).toMatchObject({ id: 102, subject: 'events.clickstream-value' });
    expect(catalog.aggregated).toMatchObject({ id: 103, subject: 'events.aggregated-value' });
    expect(catalog.aggregated.type.name).toBe('platform.aggregates.AggregatedEvent');
    // Registered ids are known without asking the registry.
    expect(await catalog.writerSchema(103)).toEqual({ kind: 'ok', schema: { id: 103, type: catalog.aggregated.type, text: compact } });
  });

  it('refuses to answer for an event type or the aggregate before registration, and for an unknown event type after', async () => {
    const { registry } = registering();
    const catalog = new SchemaCatalog(registry, config);
    expect(() => catalog.forEventType('iot.sensor')).toThrow('no schema registered for event type iot.sensor; call registerPipelineSchemas first');
    expect(() => catalog.aggregated).toThrow('aggregated schema not registered; call registerPipelineSchemas first');
    await catalog.registerPipelineSchemas();
    expect(() => catalog.forEventType('transaction')).toThrow('no schema registered for event type transaction');
  });

  it('encodes in the Confluent wire format (magic 0, big-endian id, Avro body), one at a time or many, and decodes back', async () => {
    const { registry } = registering();
    const catalog = new SchemaCatalog(registry, config);
    await catalog.registerPipelineSchemas();
    const schema = { id: 0x01020304, type: readingType, subject: 'readings-value' };
    const body = readingType.toBuffer(reading);
    expect(catalog.encode(schema, reading)).toEqual(Buffer.concat([Buffer.from([0, 1, 2, 3, 4]), body]));
    const many = catalog.encodeMany(schema, [reading, { id: 'r-2', value: -1 }]);
    expect(many.map((b) => b.toString('hex'))).toEqual([
      Buffer.concat([Buffer.from([0, 1, 2, 3, 4]), body]).toString('hex'),
      Buffer.concat([Buffer.from([0, 1, 2, 3, 4]), readingType.toBuffer({ id: 'r-2', value: -1 })]).toString('hex'),
    ]);
    const clickstream = catalog.forEventType('clickstream');
    const click = clickstream.type.random();
    const framed = catalog.encode(clickstream, click);
    expect(framed.subarray(0, 5)).toEqual(Buffer.from([0, 0, 0, 0, 102]));
    expect(await catalog.decode(framed)).toMatchObject({ kind: 'ok', schemaId: 102, value: clickstream.type.fromBuffer(framed.subarray(5)) });
  });
});

describe('decodeBody and decodedValue', () => {
  const writer = (schema: unknown): WriterSchema => ({ id: 3, type: parseAvroSchema(schema as object), text: JSON.stringify(schema) });
  const notRecord = { kind: 'poison', problem: 'invalid-schema', reason: 'schema 3 is not a record schema', schemaId: 3 };

  it('calls a value that is not a record (null, an array, bytes, a number) poison', () => {
    expect(decodeBody(writer('"null"'), Buffer.alloc(0))).toEqual(notRecord);
    expect(decodeBody(writer({ type: 'array', items: 'int' }), parseAvroSchema({ type: 'array', items: 'int' }).toBuffer([1, 2]))).toEqual(notRecord);
    expect(decodeBody(writer('"bytes"'), parseAvroSchema('"bytes"').toBuffer(Buffer.from('ab')))).toEqual(notRecord);
    expect(decodeBody(writer('"int"'), parseAvroSchema('"int"').toBuffer(7))).toEqual(notRecord);
  });

  it('takes a map as a record-like value, and gives the value of an ok result or throws the reason', () => {
    const map = writer({ type: 'map', values: 'int' });
    const decoded = decodeBody(map, map.type.toBuffer({ a: 1 }));
    expect(decoded).toEqual({ kind: 'ok', value: { a: 1 }, schemaId: 3, schema: map });
    expect(decodedValue(decoded)).toEqual({ a: 1 });
    expect(() => decodedValue(decodeBody(writer('"null"'), Buffer.alloc(0)))).toThrow(new Error('schema 3 is not a record schema'));
  });
});

describe('RegistryUnavailableError', () => {
  it('carries its message, name and schema id', () => {
    const error = new RegistryUnavailableError('registry down', 12);
    expect(error).toBeInstanceOf(Error);
    expect([error.name, error.message, error.schemaId]).toEqual(['RegistryUnavailableError', 'registry down', 12]);
  });
});

describe('lookupFailure', () => {
  it('says why the registry was unavailable, for an Error and for anything else thrown', () => {
    expect(lookupFailure(4, new RegistryError('down', 503))).toEqual({ kind: 'unavailable', reason: 'schema registry unavailable for schema id 4: down', schemaId: 4 });
    expect(lookupFailure(4, 'refused')).toEqual({ kind: 'unavailable', reason: 'schema registry unavailable for schema id 4: refused', schemaId: 4 });
    expect(isDefiniteRegistryAnswer(new RegistryError('conflict', 409))).toBe(false);
    expect(isDefiniteRegistryAnswer(new RetriesExhaustedError(2, new Error('no status')))).toBe(false);
  });
});
