/**
 * The registry authenticates every caller: HTTP basic users with a permission, and the ingest API's
 * JWTs with registry scopes. The unmodified real clients work with credentials and are refused
 * without. Refusals answer in Confluent's format.
 */
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { signToken, TokenVerifier } from '@platform/auth';
import { TEST_BROKERS } from '@test/support';
import { registryUser } from '../../apps/schema-registry/src/auth/registry-auth';
import { RunningSchemaRegistry, startSchemaRegistry } from '../../apps/schema-registry/src/bootstrap';
import { call, deleteTopic, freshSchemasTopic, recordSchema, VND } from './support';

const SECRET = 'registry-auth-e2e-secret';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const READER = basic('reader', 'reader-pw');
const WRITER = basic('writer', 'writer-pw:with-colon');
const ADMIN = basic('boss', 'boss-pw');
const bearer = (scopes: string[], expiresInSeconds = 60) => `Bearer ${signToken(SECRET, { subject: 'svc', scopes, expiresInSeconds })}`;
const schema = (name: string) => JSON.stringify(recordSchema(name, [{ name: 'id', type: 'string' }]));

describe('schema registry authentication', () => {
  const topic = freshSchemasTopic();
  let registry: RunningSchemaRegistry;

  beforeAll(async () => {
    registry = await startSchemaRegistry({
      port: 0,
      host: '127.0.0.1',
      kafkaBrokers: TEST_BROKERS,
      schemasTopic: topic,
      auth: {
        mode: 'required',
        users: [registryUser('reader', 'read', 'reader-pw'), registryUser('writer', 'write', 'writer-pw:with-colon'), registryUser('boss', 'admin', 'boss-pw')],
        tokens: new TokenVerifier({ secret: SECRET, clockToleranceSec: 0, cacheSize: 10, cacheMaxAgeMs: 60_000, maxTokenLength: 8192, devFallback: false }),
      },
    });
  });

  afterAll(async () => {
    await registry?.close();
    await deleteTopic(topic);
  });

  const as = (authorization: string | null, method: string, path: string, body?: unknown) => call(registry.url, method, path, body, VND, authorization);

  it('refuses a caller without valid credentials with 401 / 40101, on known and unknown routes alike', async () => {
    for (const [authorization, path] of [
      [null, '/subjects'],
      [null, '/schemas/ids/1'],
      [null, '/no/such/route'],
      [basic('reader', 'wrong'), '/subjects'],
      [basic('nobody', 'reader-pw'), '/subjects'],
      ['Basic !!!', '/subjects'],
      ['Bearer not-a-token', '/subjects'],
      [bearer(['registry:admin'], -10), '/subjects'],
      [`Bearer ${signToken('another-secret', { subject: 'x', scopes: ['registry:admin'] })}`, '/subjects'],
    ] as const) {
      const answer = await as(authorization, 'GET', path);
      expect({ authorization, path, status: answer.status, body: answer.body }).toEqual({
        authorization,
        path,
        status: 401,
        body: { error_code: 40101, message: expect.stringMatching(/^Unauthorized/) },
      });
      expect(answer.contentType).toMatch(/^application\/vnd\.schemaregistry\.v1\+json/);
    }
    const refused = await fetch(`${registry.url}/subjects`);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Basic realm="schema-registry"/);
  });

  it('refuses writes without credentials and writes nothing', async () => {
    expect((await as(null, 'POST', '/subjects/anon-value/versions', { schema: schema('Anon') })).status).toBe(401);
    expect((await as(null, 'PUT', '/mode', { mode: 'READONLY' })).status).toBe(401);
    expect((await as(null, 'PUT', '/config', { compatibility: 'NONE' })).status).toBe(401);
    expect((await as(ADMIN, 'GET', '/subjects')).body).not.toContain('anon-value');
    expect((await as(ADMIN, 'GET', '/mode')).body).toEqual({ mode: 'READWRITE' });
    expect((await as(ADMIN, 'GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
  });

  it('leaves health and metrics open for probes and scrapes', async () => {
    for (const path of ['/health/live', '/health/ready', '/metrics']) expect((await as(null, 'GET', path)).status).toBe(200);
  });

  it('grants read, write and admin by user permission (403 / 40301 beyond it)', async () => {
    expect((await as(READER, 'GET', '/subjects')).status).toBe(200);
    const readerWrite = await as(READER, 'POST', '/subjects/perm-value/versions', { schema: schema('Perm') });
    expect(readerWrite).toMatchObject({ status: 403, body: { error_code: 40301, message: expect.stringContaining('write') } });

    const registered = await as(WRITER, 'POST', '/subjects/perm-value/versions', { schema: schema('Perm') });
    expect(registered).toMatchObject({ status: 200, body: { id: expect.any(Number) } });
    // Looking a schema up and checking compatibility change nothing: a reader may.
    expect((await as(READER, 'POST', '/subjects/perm-value', { schema: schema('Perm') })).body).toMatchObject({ id: registered.body.id });
    expect((await as(READER, 'POST', '/compatibility/subjects/perm-value/versions/latest', { schema: schema('Perm') })).body).toEqual({ is_compatible: true });

    expect((await as(READER, 'PUT', '/config/perm-value', { compatibility: 'NONE' })).body).toMatchObject({ error_code: 40301 });
    expect((await as(WRITER, 'PUT', '/config', { compatibility: 'NONE' })).body).toMatchObject({ error_code: 40301 });
    expect((await as(WRITER, 'DELETE', '/config')).body).toMatchObject({ error_code: 40301 });
    expect((await as(WRITER, 'PUT', '/mode', { mode: 'READONLY' })).body).toMatchObject({ error_code: 40301 });
    expect((await as(READER, 'DELETE', '/subjects/perm-value')).body).toMatchObject({ error_code: 40301 });

    expect((await as(WRITER, 'PUT', '/config/perm-value', { compatibility: 'NONE' })).body).toEqual({ compatibility: 'NONE' });
    expect((await as(ADMIN, 'PUT', '/config', { compatibility: 'BACKWARD' })).body).toEqual({ compatibility: 'BACKWARD' });
    expect((await as(WRITER, 'DELETE', '/subjects/perm-value')).body).toEqual([1]);
  });

  it('accepts the ingest API JWTs with registry scopes', async () => {
    expect((await as(bearer(['registry:read']), 'GET', '/subjects')).status).toBe(200);
    expect((await as(bearer(['registry:read']), 'POST', '/subjects/jwt-value/versions', { schema: schema('Jwt') })).body).toMatchObject({ error_code: 40301 });
    expect((await as(bearer(['events:*']), 'GET', '/subjects')).body).toMatchObject({ error_code: 40301 });
    expect((await as(bearer(['registry:write']), 'POST', '/subjects/jwt-value/versions', { schema: schema('Jwt') })).status).toBe(200);
    expect((await as(bearer(['registry:write']), 'PUT', '/mode', { mode: 'READONLY' })).body).toMatchObject({ error_code: 40301 });
    expect((await as(bearer(['registry:admin']), 'GET', '/config/jwt-value?defaultToGlobal=true')).status).toBe(200);
  });

  it('answers router-level refusals in Confluent format without echoing the URL', async () => {
    const { request } = await import('http');
    const rawGet = (path: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const { hostname, port } = new URL(registry.url);
        const req = request({ hostname, port, path, headers: { authorization: ADMIN } }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c) => chunks.push(c));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        });
        req.on('error', reject);
        req.end();
      });
    const long = `marker${'s'.repeat(120)}`;
    const tooLong = await rawGet(`/subjects/${long}/versions`);
    expect({ status: tooLong.status, body: JSON.parse(tooLong.text) }).toEqual({ status: 414, body: { error_code: 414, message: expect.any(String) } });
    expect(tooLong.text).not.toContain('marker');
    const malformed = await rawGet('/subjects/%E0%A4%A-marker/versions');
    expect({ status: malformed.status, body: JSON.parse(malformed.text) }).toEqual({ status: 400, body: { error_code: 400, message: expect.any(String) } });
    expect(malformed.text).not.toContain('marker');
  });

  it('bounds what one schema may cost: refuses one nested too deeply or too large with 42201', async () => {
    const deep = '['.repeat(70) + '"int"' + ']'.repeat(70);
    const tooDeep = await as(ADMIN, 'POST', '/subjects/deep-value/versions', { schema: deep });
    expect(tooDeep).toMatchObject({ status: 422, body: { error_code: 42201, message: expect.stringContaining('REGISTRY_MAX_SCHEMA_DEPTH') } });
    const huge = JSON.stringify({ type: 'record', name: 'Huge', doc: 'x'.repeat(300 * 1024), fields: [] });
    const tooLarge = await as(ADMIN, 'POST', '/compatibility/subjects/huge-value/versions', { schema: huge });
    expect(tooLarge).toMatchObject({ status: 422, body: { error_code: 42201, message: expect.stringContaining('REGISTRY_MAX_SCHEMA_BYTES') } });
    expect((await as(ADMIN, 'GET', '/subjects')).body).not.toContain('deep-value');
  });

  it('answers authenticated requests with Cache-Control: no-store', async () => {
    const response = await fetch(`${registry.url}/subjects`, { headers: { authorization: READER } });
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('works with the unmodified @kafkajs/confluent-schema-registry client given basic auth, and refuses it without', async () => {
    const client = new SchemaRegistry({ host: registry.url, auth: { username: 'writer', password: 'writer-pw:with-colon' }, retry: { retries: 0 } });
    const { id } = await client.register({ type: SchemaType.AVRO, schema: schema('KafkajsAuth') }, { subject: 'kafkajs-auth-value' });
    const bytes = await client.encode(id, { id: 'a-1' });
    expect(await new SchemaRegistry({ host: registry.url, auth: { username: 'reader', password: 'reader-pw' } }).decode(bytes)).toEqual({ id: 'a-1' });

    const anonymous = new SchemaRegistry({ host: registry.url, retry: { retries: 0 } });
    await expect(anonymous.getLatestSchemaId('kafkajs-auth-value')).rejects.toThrow(/Unauthorized/);
    const reader = new SchemaRegistry({ host: registry.url, auth: { username: 'reader', password: 'reader-pw' }, retry: { retries: 0 } });
    await expect(reader.register({ type: SchemaType.AVRO, schema: schema('KafkajsAuth2') }, { subject: 'kafkajs-auth2-value' })).rejects.toThrow(/Forbidden/);
  });

  it('works with the unmodified @confluentinc/schemaregistry client given basic auth, and refuses it without', async () => {
    const client = new SchemaRegistryClient({
      baseURLs: [registry.url],
      maxRetries: 0,
      basicAuthCredentials: { credentialsSource: 'USER_INFO', userInfo: 'writer:writer-pw:with-colon' },
    });
    const anonymous = new SchemaRegistryClient({ baseURLs: [registry.url], maxRetries: 0 });
    try {
      const id = await client.register('confluent-auth-value', { schemaType: 'AVRO', schema: schema('ConfluentAuth') });
      expect((await client.getLatestSchemaMetadata('confluent-auth-value')).id).toBe(id);
      await expect(anonymous.getAllSubjects()).rejects.toMatchObject({ status: 401, errorCode: 40101 });
    } finally {
      await client.close();
      await anonymous.close();
    }
  });
});
