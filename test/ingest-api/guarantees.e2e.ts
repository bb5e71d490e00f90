/**
 * The ingest API's promises against the real broker, registry and Redis: a repeated event_id is
 * written once (in memory, and across two instances sharing Redis), bad tokens get 401, a client
 * over its limit gets 429 with Retry-After, and with Kafka unreachable the answer is a bounded 503,
 * never a 2xx for an unwritten event.
 */
import { createHmac, randomUUID } from 'crypto';
import { HEADERS } from '@platform/contracts';
import { testKafka } from '@platform/testing';
import { authHeaders, endOffsets, expectErrorFormat, iotEvent, post, readTopic, SECRET, startTestApi, TestApi } from './support';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
function handMadeToken(header: Record<string, unknown>, claims: Record<string, unknown>, secret = SECRET): string {
  const unsigned = `${b64(header)}.${b64(claims)}`;
  if (header.alg === 'none') return `${unsigned}.`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

describe('ingest API guarantees (real broker, registry and Redis)', () => {
  const kafka = testKafka('ingest-guarantees');
  const opened: TestApi[] = [];
  const start = async (...args: Parameters<typeof startTestApi>) => {
    const api = await startTestApi(...args);
    opened.push(api);
    return api;
  };

  afterAll(async () => {
    for (const api of opened) await api.close().catch(() => undefined);
  });

  it('writes a repeated event_id once and answers the repeat with the first result (in memory)', async () => {
    const t = await start();
    const event = iotEvent();
    const first = await post(t.url, '/api/v1/events/iot.sensor', event);
    const again = await post(t.url, '/api/v1/events/iot.sensor', event);
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, duplicate: true });
    const records = await readTopic(kafka, t.registry.url, t.topic('iot.sensor'));
    expect(records.filter((r) => r.headers[HEADERS.eventId] === event.event_id)).toHaveLength(1);
  });

  it('two instances sharing Redis agree: the second answers the first instance’s result and writes nothing', async () => {
    const env = { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `e2e-${randomUUID()}:` };
    const a = await start({ env });
    const b = await start({ env, pipelinePath: a.pipelinePath });
    const event = iotEvent();
    const first = await post(a.url, '/api/v1/events/iot.sensor', event);
    const second = await post(b.url, '/api/v1/events/iot.sensor', event);
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.offset).toBe(first.body.offset);
    expect(second.body.partition).toBe(first.body.partition);
    const records = await readTopic(kafka, a.registry.url, a.topic('iot.sensor'));
    expect(records.filter((r) => r.headers[HEADERS.eventId] === event.event_id)).toHaveLength(1);
  });

  it('refuses alg none, expired, not-yet-valid and wrongly signed tokens with 401, writing nothing', async () => {
    const t = await start();
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: 'mallory', scope: 'events:*', iat: now, exp: now + 600 };
    const tokens = [
      handMadeToken({ alg: 'none', typ: 'JWT' }, claims),
      handMadeToken({ alg: 'HS256', typ: 'JWT' }, { ...claims, exp: now - 120 }),
      handMadeToken({ alg: 'HS256', typ: 'JWT' }, { ...claims, nbf: now + 3600 }),
      handMadeToken({ alg: 'HS256', typ: 'JWT' }, claims, 'not-the-secret-0123456789abcdef'),
      'not.a.token',
    ];
    const before = await endOffsets(kafka, [t.topic('iot.sensor')]);
    for (const token of tokens) {
      const answer = await post(t.url, '/api/v1/events/iot.sensor', iotEvent(), { authorization: `Bearer ${token}`, 'content-type': 'application/json' });
      expect(answer.status).toBe(401);
      expectErrorFormat(answer.body);
    }
    // The same claims, correctly signed, are accepted: the refusals above are about the tokens.
    expect((await post(t.url, '/api/v1/events/iot.sensor', iotEvent(), { authorization: `Bearer ${handMadeToken({ alg: 'HS256', typ: 'JWT' }, claims)}`, 'content-type': 'application/json' })).status).toBe(201);
    const after = await endOffsets(kafka, [t.topic('iot.sensor')]);
    const written = Object.keys(after).reduce((n, k) => n + Number(after[k]) - Number(before[k] ?? 0), 0);
    expect(written).toBe(1);
  });

  it('throttles per token subject: 429 with Retry-After in the error format, other subjects unaffected', async () => {
    const t = await start({ env: { THROTTLE_LIMIT: '3', THROTTLE_TTL: '60s' } });
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof post>> | undefined;
    for (let i = 0; i < 5; i++) {
      const answer = await post(t.url, '/api/v1/events/iot.sensor', iotEvent(), authHeaders(['events:*'], 'busy-client'));
      statuses.push(answer.status);
      if (answer.status === 429) limited = answer;
    }
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
    expectErrorFormat(limited!.body);
    expect((await post(t.url, '/api/v1/events/iot.sensor', iotEvent(), authHeaders(['events:*'], 'quiet-client'))).status).toBe(201);
  });

  it('answers 503 within a bounded time when Kafka is unreachable, never 2xx', async () => {
    const t = await start({ env: { KAFKA_BROKERS: '127.0.0.1:1', PRODUCE_TIMEOUT: '2s' }, waitReady: false });
    const started = Date.now();
    const answer = await post(t.url, '/api/v1/events/iot.sensor', iotEvent());
    expect(answer.status).toBe(503);
    expectErrorFormat(answer.body);
    expect(Date.now() - started).toBeLessThan(15_000);
    const batch = await post(t.url, '/api/v1/events/iot.sensor/batch', { events: [iotEvent(), iotEvent()] });
    expect(batch.status).toBe(503);
  });
});
