/** The REST surface itself: media types, Confluent error codes for every kind of bad request, never a 500. */
import { RunningSchemaRegistry } from '../../apps/schema-registry/src/bootstrap';
import { call, deleteTopic, freshSchemasTopic, recordSchema, startRegistry, VND } from './support';

describe('schema registry REST API', () => {
  const topic = freshSchemasTopic();
  let registry: RunningSchemaRegistry;
  let url: string;
  const schema = JSON.stringify(recordSchema('Payment', [{ name: 'amount', type: 'double' }]));

  beforeAll(async () => {
    registry = await startRegistry(topic);
    url = registry.url;
    expect((await call(url, 'POST', '/subjects/payments-value/versions', { schema })).status).toBe(200);
  });

  afterAll(async () => {
    await registry?.close();
    await deleteTopic(topic);
  });

  it('answers GET / with {} and the schema types with ["AVRO"], in the registry media type', async () => {
    const root = await call(url, 'GET', '/');
    expect(root).toMatchObject({ status: 200, body: {} });
    expect(root.contentType).toContain(VND);
    expect((await call(url, 'GET', '/schemas/types')).body).toEqual(['AVRO']);
    expect((await call(url, 'GET', '/mode')).body).toEqual({ mode: 'READWRITE' });
  });

  it.each(['application/json', 'application/vnd.schemaregistry+json', VND])('accepts request bodies sent as %s', async (contentType) => {
    const answer = await call(url, 'POST', '/subjects/payments-value', { schema }, contentType);
    expect(answer).toMatchObject({ status: 200, body: { subject: 'payments-value', version: 1 } });
  });

  it('serves versions, schemas by id, lookups and the raw schema text', async () => {
    const { body: latest } = await call(url, 'GET', '/subjects/payments-value/versions/latest');
    expect(latest).toMatchObject({ subject: 'payments-value', version: 1, schema });
    expect((await call(url, 'GET', '/subjects/payments-value/versions/-1')).body).toEqual(latest);
    expect((await call(url, 'GET', '/subjects/payments-value/versions/1/schema')).body).toEqual(JSON.parse(schema));
    expect((await call(url, 'GET', `/schemas/ids/${latest.id}?subject=payments-value`)).body).toEqual({ schema });
    expect((await call(url, 'GET', `/schemas/ids/${latest.id}/schema`)).body).toEqual(JSON.parse(schema));
    expect((await call(url, 'GET', `/schemas/ids/${latest.id}/versions`)).body).toEqual([{ subject: 'payments-value', version: 1 }]);
    expect((await call(url, 'GET', '/subjects')).body).toContain('payments-value');
  });

  it('serves subject names that need URL encoding', async () => {
    const subject = 'team/a:orders value';
    const path = `/subjects/${encodeURIComponent(subject)}`;
    expect((await call(url, 'POST', `${path}/versions`, { schema })).status).toBe(200);
    expect((await call(url, 'GET', '/subjects')).body).toContain(subject);
    expect((await call(url, 'GET', `${path}/versions/1`)).body).toMatchObject({ subject, version: 1 });
  });

  it('compatibility checks, verbose messages and config endpoints', async () => {
    const breaking = JSON.stringify(recordSchema('Payment', [{ name: 'amount', type: 'string' }]));
    const verbose = await call(url, 'POST', '/compatibility/subjects/payments-value/versions/latest?verbose=true', { schema: breaking });
    expect(verbose.status).toBe(200);
    expect(verbose.body.is_compatible).toBe(false);
    expect(verbose.body.messages.join(' ')).toContain('TYPE_MISMATCH');
    expect((await call(url, 'POST', '/compatibility/subjects/payments-value/versions', { schema })).body).toEqual({ is_compatible: true });
    expect((await call(url, 'GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    expect((await call(url, 'PUT', '/config/payments-value', { compatibility: 'full_transitive' })).body).toEqual({
      compatibility: 'FULL_TRANSITIVE',
    });
    expect((await call(url, 'GET', '/config/payments-value')).body).toEqual({ compatibilityLevel: 'FULL_TRANSITIVE' });
    expect((await call(url, 'DELETE', '/config/payments-value')).body).toEqual({ compatibilityLevel: 'FULL_TRANSITIVE' });
    expect((await call(url, 'GET', '/config/payments-value?defaultToGlobal=true')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
  });

  // [what, method, path, body, expected HTTP status, expected error_code]
  const badRequests: Array<[string, string, string, unknown, number, number]> = [
    ['body is not JSON', 'POST', '/subjects/payments-value/versions', '{"schema": ', 400, 400],
    ['schema text is not JSON', 'POST', '/subjects/payments-value/versions', { schema: '{"type": "record", "name": ' }, 422, 42201],
    [
      'schema names an unknown type',
      'POST',
      '/subjects/payments-value/versions',
      { schema: '{"type": "record", "name": "X", "fields": [{"name": "a", "type": "nope"}]}' },
      422,
      42201,
    ],
    ['JSON schema type', 'POST', '/subjects/payments-value/versions', { schema: '{"type":"object"}', schemaType: 'JSON' }, 422, 42201],
    [
      'PROTOBUF schema type',
      'POST',
      '/subjects/payments-value/versions',
      { schema: 'syntax = "proto3";', schemaType: 'PROTOBUF' },
      422,
      42201,
    ],
    ['schema missing', 'POST', '/subjects/payments-value/versions', { schemaType: 'AVRO' }, 422, 42201],
    ['schema not a string', 'POST', '/subjects/payments-value/versions', { schema: 42 }, 422, 42201],
    ['body not an object', 'POST', '/subjects/payments-value/versions', [1, 2], 422, 42201],
    ['malformed reference', 'POST', '/subjects/payments-value/versions', { schema, references: [{ name: 'x' }] }, 422, 42201],
    [
      'incompatible change',
      'POST',
      '/subjects/payments-value/versions',
      { schema: JSON.stringify(recordSchema('Payment', [{ name: 'amount', type: 'boolean' }])) },
      409,
      409,
    ],
    ['unknown subject', 'GET', '/subjects/unknown-value/versions', undefined, 404, 40401],
    ['unknown subject, version 1', 'GET', '/subjects/unknown-value/versions/1', undefined, 404, 40401],
    ['unknown version', 'GET', '/subjects/payments-value/versions/99', undefined, 404, 40402],
    ['version 0', 'GET', '/subjects/payments-value/versions/0', undefined, 422, 42202],
    ['version not a number', 'GET', '/subjects/payments-value/versions/one', undefined, 422, 42202],
    ['unknown id', 'GET', '/schemas/ids/987654', undefined, 404, 40403],
    ['id not a number', 'GET', '/schemas/ids/not-a-number', undefined, 404, 40403],
    [
      'lookup of an unregistered schema',
      'POST',
      '/subjects/payments-value',
      { schema: JSON.stringify(recordSchema('Other', [])) },
      404,
      40403,
    ],
    ['lookup under an unknown subject', 'POST', '/subjects/unknown-value', { schema }, 404, 40401],
    ['invalid global level', 'PUT', '/config', { compatibility: 'SIDEWAYS' }, 422, 42203],
    ['missing level', 'PUT', '/config/payments-value', {}, 422, 42203],
    ['invalid mode', 'PUT', '/mode', { mode: 'SOMETIMES' }, 422, 42204],
    ['subject without own config', 'GET', '/config/unknown-value', undefined, 404, 40408],
    ['compatibility against a missing version', 'POST', '/compatibility/subjects/payments-value/versions/7', { schema }, 404, 40402],
    [
      'compatibility with schema text not JSON',
      'POST',
      '/compatibility/subjects/payments-value/versions/latest',
      { schema: 'not json' },
      422,
      42201,
    ],
    ['delete of an unknown subject', 'DELETE', '/subjects/unknown-value', undefined, 404, 40401],
    ['hard delete before soft delete (version)', 'DELETE', '/subjects/payments-value/versions/1?permanent=true', undefined, 404, 40407],
    ['hard delete before soft delete (subject)', 'DELETE', '/subjects/payments-value?permanent=true', undefined, 404, 40405],
    ['unknown route', 'GET', '/no/such/route', undefined, 404, 404],
  ];

  it.each(badRequests)('%s: %s %s answers %d with error_code %d', async (_what, method, path, body, status, errorCode) => {
    const answer = await call(url, method, path, body);
    expect(answer.status).toBe(status);
    expect(answer.body).toEqual({ error_code: errorCode, message: expect.any(String) });
    expect(answer.contentType).toContain(VND);
  });

  it('rejects an unsupported request media type with 415 in the Confluent error shape', async () => {
    const answer = await call(url, 'POST', '/subjects/payments-value/versions', { schema }, 'text/xml');
    expect(answer).toMatchObject({ status: 415, body: { error_code: 415 } });
  });

  it('soft delete then hard delete follow Confluent’s 40404/40406 rules', async () => {
    const subject = '/subjects/doomed-value';
    expect((await call(url, 'POST', `${subject}/versions`, { schema })).status).toBe(200);
    expect((await call(url, 'DELETE', `${subject}/versions/1`)).body).toBe(1);
    expect((await call(url, 'DELETE', `${subject}/versions/1`)).body).toMatchObject({ error_code: 40406 });
    expect((await call(url, 'GET', `${subject}/versions/1?deleted=true`)).body).toMatchObject({ version: 1 });
    expect((await call(url, 'DELETE', subject)).body).toMatchObject({ error_code: 40404 });
    expect((await call(url, 'GET', '/subjects?deleted=true')).body).toContain('doomed-value');
    expect((await call(url, 'DELETE', `${subject}?permanent=true`)).body).toEqual([1]);
    expect((await call(url, 'GET', '/subjects?deleted=true')).body).not.toContain('doomed-value');
  });

  it('serves /metrics and /health', async () => {
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('schema_registry_requests_total');
    const healthAnswer = await call(url, 'GET', '/health');
    expect(healthAnswer.status).toBe(200);
    expect(healthAnswer.body.checks.schemas_log).toBe(true);
  });
});
