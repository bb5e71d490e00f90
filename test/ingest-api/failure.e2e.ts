/**
 * Dependencies down: an API pointed at a closed port for Kafka, or for the registry, answers 503
 * in the error format within a bounded time, never 2xx.
 */
import { clickEvent, expectErrorFormat, post, startTestApi } from './support';

const CLOSED = '127.0.0.1:1';

describe('ingest API with a dependency unreachable', () => {
  it.each([
    ['Kafka', { KAFKA_BROKERS: CLOSED, PRODUCE_TIMEOUT: '2s', ENSURE_TOPICS: 'false' }],
    ['the schema registry', { SCHEMA_REGISTRY_URL: `http://${CLOSED}`, REGISTRY_TIMEOUT: '2s' }],
  ] as const)('answers 503 within a bounded time when %s is unreachable', async (_name, env) => {
    const t = await startTestApi({ env: { ...env }, waitReady: false });
    try {
      for (const path of ['/api/v1/events/clickstream', '/api/v1/events/clickstream/batch']) {
        const body = path.endsWith('batch') ? { events: [clickEvent(), clickEvent()] } : clickEvent();
        const started = Date.now();
        const answer = await post(t.url, path, body);
        const elapsed = Date.now() - started;
        expect({ path, status: answer.status }).toEqual({ path, status: 503 });
        expectErrorFormat(answer.body);
        expect(answer.body.error_code).toBe('SERVICE_UNAVAILABLE');
        expect(elapsed).toBeLessThan(15_000);
      }
    } finally {
      await t.close();
    }
  });
});
