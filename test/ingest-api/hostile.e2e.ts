/**
 * Hostile input over loopback: thousands of malformed, oversized, wrongly typed, deeply nested,
 * unicode-edge and injection-shaped bodies, headers and tokens. Not one 5xx; every non-2xx answer
 * in the error format with the request id echoed in a header; nothing written (end offsets unchanged).
 */
import fc from 'fast-check';
import { Kafka } from 'kafkajs';
import { testKafka } from '@test/support';
import { authHeaders, clickEvent, endOffsets, expectErrorFormat, SECRET, startTestApi, TestApi } from './support';
import { sign } from 'jsonwebtoken';

const nasty = [
  "'; DROP TABLE raw.events; --",
  '<script>alert(1)</script>',
  '${jndi:ldap://127.0.0.1/a}',
  '../../../../etc/passwd',
  '\u0000\u0001\u001f',
  '\ud800',
  '\u202e\u200b\ufeff',
  '𝕳𝖊𝖑𝖑𝖔 🧨',
  '%00%0d%0aSet-Cookie: x=1',
  '{"$where": "1==1"}',
  'A'.repeat(70_000),
];

/** Nested `depth` levels deep, objects and arrays alternating (one path, so its size stays linear). */
function deep(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { payload: value };
  return value;
}

/** Bodies that must each be refused (none is a valid clickstream event). */
function hostileBodies(): fc.Arbitrary<string> {
  const base = clickEvent();
  const field = fc.constantFrom('event_id', 'timestamp', 'event_type', 'user_id', 'payload', 'metadata', 'device_id');
  const wrongValue = fc.oneof(fc.constantFrom<unknown>(...nasty, null, -1, Number.MAX_VALUE, NaN, true, [], {}, [[[]]], 'not-a-date'), fc.anything({ maxDepth: 3 }));
  return fc.oneof(
    fc.string({ maxLength: 200, unit: 'binary' }),
    fc.constantFrom('', '{', '[]', 'null', '"x"', '1', '{"events":', '\u0000', '{"a":1}{"b":2}', JSON.stringify(deep(400))),
    // Events with the partition key removed and one field replaced by a wrong value.
    fc.tuple(field, wrongValue).map(([name, value]) => JSON.stringify({ ...base, user_id: undefined, [name]: value })),
    fc.constantFrom(...nasty).map((text) => JSON.stringify({ ...base, event_type: text })),
    fc.constantFrom(...nasty).map((text) => JSON.stringify({ ...base, user_id: undefined, payload: { page: text, action: text, extra: deep(50) } })),
    fc.constant(JSON.stringify({ events: [{ ...base, event_type: 'transaction' }] })),
  );
}

function hostileTokens(): fc.Arbitrary<Record<string, string>> {
  return fc.oneof(
    fc.constantFrom<Record<string, string>>(
      {},
      { authorization: '' },
      { authorization: 'Bearer' },
      { authorization: `Bearer ${'a'.repeat(20_000)}` },
      { authorization: `Bearer ${sign({ scope: 'events:*' }, SECRET, { algorithm: 'HS256', expiresIn: -10 })}` },
      { authorization: `Bearer ${sign({ scope: 'events:*' }, 'wrong-secret-0123456789abcdefgh', { algorithm: 'HS256', expiresIn: 60 })}` },
      { authorization: `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"scope":"events:*"}').toString('base64url')}.` },
      { authorization: 'Basic YWRtaW46YWRtaW4=' },
    ),
    fc.string({ maxLength: 100 }).map((text) => ({ authorization: `Bearer ${text.replace(/[^\x21-\x7e]/g, 'x')}` })),
  );
}

describe('ingest API under hostile input (real broker, real registry)', () => {
  let t: TestApi;
  let kafka: Kafka;

  beforeAll(async () => {
    t = await startTestApi({ env: { BODY_LIMIT: '65536' } });
    kafka = testKafka('ingest-hostile-e2e');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers thousands of hostile requests without a 5xx, in the error format, writing nothing', async () => {
    const topics = t.pipeline.eventTypes.map((e) => e.topic);
    const before = await endOffsets(kafka, topics);
    const paths = ['/api/v1/events/clickstream', '/api/v1/events/clickstream/batch', `/api/v1/events/${encodeURIComponent(nasty[0])}`, '/api/v1/events/clickstream/latest?limit=-1'];
    const contentTypes = ['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'application/vnd.kafka.avro.v2+json'];
    const request = fc.record({
      path: fc.constantFrom(...paths),
      body: hostileBodies(),
      auth: fc.oneof({ weight: 3, arbitrary: fc.constant(authHeaders()) }, { weight: 1, arbitrary: hostileTokens() }),
      contentType: fc.constantFrom(...contentTypes),
      requestId: fc.oneof(fc.constant(undefined), fc.string({ maxLength: 300 }).map((s) => s.replace(/[^\x20-\x7e]/g, '?'))),
    });
    const samples = fc.sample(request, { numRuns: 1500, seed: 20261123 });
    const statuses = new Map<number, number>();
    for (const sample of samples) {
      const headers: Record<string, string> = { ...sample.auth, 'content-type': sample.contentType };
      if (sample.requestId !== undefined) headers['x-request-id'] = sample.requestId;
      const method = sample.path.includes('latest') ? 'GET' : 'POST';
      const response = await fetch(`${t.url}${sample.path}`, { method, headers, body: method === 'POST' ? sample.body : undefined });
      const text = await response.text();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      expect({ status: response.status, sample: sample.body.slice(0, 200) }).toEqual({ status: expect.any(Number), sample: expect.any(String) });
      if (response.status >= 500) throw new Error(`${response.status} for ${method} ${sample.path}: ${sample.body.slice(0, 300)} → ${text.slice(0, 300)}`);
      if (response.status >= 200 && response.status < 300) {
        if (method === 'GET') continue;
        throw new Error(`accepted hostile body ${sample.body.slice(0, 300)} → ${text.slice(0, 300)}`);
      }
      const body = JSON.parse(text);
      expectErrorFormat(body);
      expect(response.headers.get('x-request-id')).toBe(body.request_id);
    }
    expect(await endOffsets(kafka, topics)).toEqual(before);
    expect([...statuses.keys()].every((s) => s < 500)).toBe(true);
  });
});
