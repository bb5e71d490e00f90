/**
 * The Redis store's scripts against the pure serving rules (the serving rules of @platform/windowing) on real Redis: random
 * sequences of versions, replays, retractions and windows beyond the retention or the count cap, in
 * random batches; after each batch both must answer every lookup alike.
 */
import { randomUUID } from 'crypto';
import fc from 'fast-check';
import Redis from 'ioredis';
import { AggregatedRecord } from '@platform/contracts';
import { RetentionPolicy, ServingState } from '@platform/windowing';
import { RedisAggregateStore } from '../../apps/ingest-api/src/serving/redis-aggregate-store';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const MIN = 60_000;
const NAMES = ['tumbling_1m', 'session_30m'];

describe('Redis aggregate store against the serving rules (real Redis)', () => {
  const redis = new Redis(REDIS_URL, { enableAutoPipelining: true });
  afterAll(() => redis.disconnect());

  it('answers every lookup as the pure rules do, batch after batch', async () => {
    const record = fc.record({
      key: fc.constantFrom('k1', 'k2'),
      name: fc.constantFrom(...NAMES),
      slot: fc.integer({ min: 0, max: 12 }),
      version: fc.integer({ min: 1, max: 5 }),
      retracted: fc.boolean(),
      count: fc.nat({ max: 1000 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(record, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 6 }), fc.constantFrom<RetentionPolicy>({ retentionMs: 5 * MIN, maxWindows: 100 }, { retentionMs: 1e12, maxWindows: 4 }), async (batches, policy) => {
        const prefix = `serving-prop-${randomUUID().slice(0, 8)}:`;
        const store = new RedisAggregateStore(redis, prefix, 'events.aggregated', policy, 60_000);
        const model = new ServingState(policy);
        let offset = 0n;
        try {
          for (const batch of batches) {
            const records: AggregatedRecord[] = batch.map((r) => ({
              window_start: r.slot * MIN,
              window_end: r.slot * MIN + MIN,
              window_name: r.name,
              window_kind: r.name.startsWith('session') ? 'session' : 'tumbling',
              event_type: 'iot.sensor',
              group_key: r.key,
              count: r.count,
              sum_value: null,
              avg_value: null,
              min_value: null,
              max_value: null,
              distinct_users: 0,
              version: r.version,
              is_final: false,
              processed_time: 0,
              retracted: r.retracted,
            }));
            // One window's records reach the store in their partition's order: apply them in sequence.
            for (const r of records) {
              await store.apply([{ record: r, partition: 0, offset }], new Map([[0, offset + 1n]]));
              model.apply(r, 0, offset);
              offset++;
            }
            for (const key of ['k1', 'k2']) {
              const vector = await store.latest('iot.sensor', key, NAMES);
              for (const name of NAMES) {
                expect(vector[name]).toEqual(model.latest('iot.sensor', key, name) ?? null);
                expect(await store.recent('iot.sensor', key, name, { limit: 50 })).toEqual(model.recent('iot.sensor', key, name, { limit: 50 }));
                expect(await store.recent('iot.sensor', key, name, { limit: 2, from: 3 * MIN, to: 9 * MIN })).toEqual(model.recent('iot.sensor', key, name, { limit: 2, from: 3 * MIN, to: 9 * MIN }));
              }
            }
          }
          expect(await store.open()).toEqual(model.offsets());
        } finally {
          const keys = await redis.keys(`${prefix}*`);
          if (keys.length > 0) await redis.del(...keys);
        }
      }),
      { numRuns: 40 },
    );
  });
});
