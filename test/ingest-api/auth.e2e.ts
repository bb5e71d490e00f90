/**
 * JWT enforcement over HTTP: HS256 with issuer/audience, RS256 keys from a JWKS URL served on
 * loopback; alg none, expired, not yet valid, wrong signature, wrong issuer/audience → 401; a
 * missing scope → 403; wildcard scopes work. Every 2xx is read back from Kafka.
 */
import { generateKeyPairSync, KeyObject } from 'crypto';
import { createServer, Server } from 'http';
import { AddressInfo } from 'net';
import { Kafka } from 'kafkajs';
import { sign } from 'jsonwebtoken';
import { testKafka } from '@test/support';
import { clickEvent, expectErrorFormat, post, readTopic, SECRET, startTestApi, TestApi } from './support';

const ISSUER = 'https://issuer.test';
const AUDIENCE = 'event-platform';

function headers(jwt: string): Record<string, string> {
  return { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' };
}

function unsigned(claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

describe('ingest API authentication and scopes (real broker, real registry)', () => {
  let kafka: Kafka;
  let jwks: Server;
  let rsaKey: KeyObject;
  let otherRsaKey: KeyObject;
  let t: TestApi;

  beforeAll(async () => {
    kafka = testKafka('ingest-auth-e2e');
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    rsaKey = pair.privateKey;
    otherRsaKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const jwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: 'e2e-key', use: 'sig', alg: 'RS256' };
    jwks = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    t = await startTestApi({ env: { JWKS_URL: jwksUrl, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, JWT_CLOCK_TOLERANCE: '1s' } });
  });
  afterAll(async () => {
    await t?.close();
    await new Promise<void>((resolve) => jwks.close(() => resolve()));
  });

  const now = () => Math.floor(Date.now() / 1000);
  const hs = (claims: Record<string, unknown> = {}, secret = SECRET) =>
    sign({ scope: 'events:*', sub: 'hs-client', iss: ISSUER, aud: AUDIENCE, exp: now() + 600, ...claims }, secret, { algorithm: 'HS256' });
  const rs = (claims: Record<string, unknown> = {}, key = rsaKey, kid = 'e2e-key') =>
    sign({ scope: 'events:*', sub: 'rs-client', iss: ISSUER, aud: AUDIENCE, exp: now() + 600, ...claims }, key, { algorithm: 'RS256', keyid: kid });

  it('accepts HS256 and RS256 (JWKS) tokens and writes exactly what it answered', async () => {
    const topic = t.topic('clickstream');
    const answers = [];
    for (const jwt of [hs(), rs(), hs({ scope: `events:write:${topic}` }), rs({ scope: 'events:write:*' }), hs({ scope: 'events:write:clickstream' })]) {
      const event = clickEvent();
      const answer = await post(t.url, '/api/v1/events/clickstream', event, headers(jwt));
      expect(answer.status).toBe(201);
      answers.push({ event, answer });
    }
    const records = await readTopic(kafka, t.registry, topic);
    for (const { event, answer } of answers) {
      const record = records.find((r) => r.partition === answer.body.partition && r.offset === String(answer.body.offset));
      expect(record?.value.event_id).toBe(event.event_id);
      expect(record?.key).toBe(event.user_id);
    }
  });

  it('refuses alg none, expired, not-yet-valid, wrongly signed, wrong issuer/audience and unknown keys with 401, writing nothing', async () => {
    const topic = t.topic('clickstream');
    const bad: Array<[string, string]> = [
      ['alg none', unsigned({ scope: 'events:*', sub: 'x', iss: ISSUER, aud: AUDIENCE, exp: now() + 600 })],
      ['expired HS256', hs({ exp: now() - 60 })],
      ['expired RS256', rs({ exp: now() - 60 })],
      ['nbf in the future', hs({ nbf: now() + 600 })],
      ['wrong HS256 secret', hs({}, 'another-secret-0123456789abcdef-xyz')],
      ['RS256 signed by another key', rs({}, otherRsaKey)],
      ['RS256 unknown kid', rs({}, rsaKey, 'other-kid')],
      ['wrong issuer', hs({ iss: 'https://evil.test' })],
      ['wrong audience', rs({ aud: 'someone-else' })],
      ['garbage', 'not-a-jwt'],
    ];
    const before = await readTopic(kafka, t.registry, topic);
    for (const [name, jwt] of bad) {
      const answer = await post(t.url, '/api/v1/events/clickstream', clickEvent(), headers(jwt));
      expect({ name, status: answer.status }).toEqual({ name, status: 401 });
      expectErrorFormat(answer.body);
      expect(answer.headers.get('x-request-id')).toBe(answer.body.request_id);
    }
    const missing = await post(t.url, '/api/v1/events/clickstream', clickEvent(), { 'content-type': 'application/json' });
    expect(missing.status).toBe(401);
    expect((await readTopic(kafka, t.registry, topic)).length).toBe(before.length);
  });

  it('answers 403 for a valid token without the scope, and accepts wildcards', async () => {
    const cases: Array<[string, number]> = [
      ['events:read:*', 403],
      [`events:write:${t.topic('iot.sensor')}`, 403],
      ['admin:dlq', 403],
      ['', 403],
      ['events:write:*', 201],
      ['events:*', 201],
    ];
    for (const [scope, status] of cases) {
      const answer = await post(t.url, '/api/v1/events/clickstream', clickEvent(), headers(rs({ scope })));
      expect({ scope, status: answer.status }).toEqual({ scope, status });
      if (status === 403) expectErrorFormat(answer.body);
    }
  });
});
