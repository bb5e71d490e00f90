/**
 * Rate limits per subject: over THROTTLE_LIMIT within THROTTLE_TTL → 429 RATE_LIMITED with
 * Retry-After, in the error format; another subject is unaffected. Memory and Redis storage.
 */
import { randomUUID } from 'crypto';
import { authHeaders, clickEvent, expectErrorFormat, post, startTestApi } from './support';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe.each([
  ['memory', {}],
  ['redis', { REDIS_URL }],
] as const)('ingest API throttling with %s storage (real broker)', (_name, storageEnv) => {
  it('limits each subject separately and answers 429 with Retry-After', async () => {
    const env: Record<string, string> = { ...storageEnv, THROTTLE_LIMIT: '5', THROTTLE_TTL: '1m', REDIS_KEY_PREFIX: `ingest-e2e-${randomUUID()}:` };
    const t = await startTestApi({ env });
    try {
      const alice = authHeaders(['events:*'], `alice-${randomUUID()}`);
      const bob = authHeaders(['events:*'], `bob-${randomUUID()}`);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await post(t.url, '/api/v1/events/clickstream', clickEvent(), alice)).status);
      expect(statuses).toEqual([201, 201, 201, 201, 201]);
      const limited = await post(t.url, '/api/v1/events/clickstream', clickEvent(), alice);
      expect(limited.status).toBe(429);
      expectErrorFormat(limited.body);
      expect(limited.body.error_code).toBe('RATE_LIMITED');
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect((await post(t.url, '/api/v1/events/clickstream', clickEvent(), bob)).status).toBe(201);
    } finally {
      await t.close();
    }
  });
});
