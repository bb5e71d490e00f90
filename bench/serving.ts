/**
 * Online aggregate lookups: an ingest API process serving a private aggregated topic (2,000 keys,
 * every window name, a few windows and versions each), driven by an open-loop load (paced-load.ts)
 * at a fixed 2,000 lookups/s, evenly spaced, over keep-alive with a JWT on every request, half feature vectors and half recent
 * windows, random keys. Once with the embedded store, once with Redis. For each, the same lookups
 * against the store alone (in this process, no HTTP, no auth) at the same rate, to see where the time
 * goes. Freshness: an aggregate committed in a Kafka transaction, then polled every 2 ms through the
 * API until served; commit-to-servable latency.
 *   node -r ./scripts/register.js bench/serving.ts [--seconds 10 --runs 3 --keys 2000]
 * Writes docs/benchmarks/serving.{md,json}. Needs the broker, the registry and Redis (6379).
 */
import { randomUUID } from 'crypto';
import { mkdirSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import Redis from 'ioredis';
import { loadPipelineConfig, PipelineConfig } from '@platform/runtime';
import { AggregatedRecord, aggregateKey } from '@platform/contracts';
import { createKafka, createTransactionalProducer, ensureTopics, kafkaSettingsFromEnv, withAdmin } from '@platform/kafka';
import { RegistryClient, SchemaCatalog } from '@platform/schema';
import { tempDir, uniqueName, writeTestPipeline } from '@test/support';
import { AggregateStore } from '../apps/ingest-api/src/serving/aggregate-store';
import { MemoryAggregateStore } from '../apps/ingest-api/src/serving/memory-aggregate-store';
import { RedisAggregateStore } from '../apps/ingest-api/src/serving/redis-aggregate-store';
import { pacedLoad } from './paced-load';
import { brokers, median, option, percentile, registryCredentials, registryUrl, root, round, startBenchApi } from './support';

const seconds = option('seconds', 10);
const runs = option('runs', 3);
const keys = option('keys', 2000);
const rate = option('rate', 2000);
const port = option('port', 27100);
const MIN = 60_000;
const T0 = Math.floor(Date.now() / 3600_000) * 3600_000 - 3600_000;
const POLICY = { retentionMs: 24 * 3600_000, maxWindows: 1500 };

function recordsFor(pipeline: PipelineConfig): AggregatedRecord[] {
  const out: AggregatedRecord[] = [];
  for (let k = 0; k < keys; k++) {
    for (const w of pipeline.windows) {
      for (let i = 0; i < 3; i++) {
        const start = T0 + i * MIN;
        for (let version = 1; version <= 1 + ((k + i) % 2); version++) {
          out.push({
            window_start: start,
            window_end: start + (w.sizeMs || w.gapMs),
            window_name: w.name,
            window_kind: w.kind,
            event_type: 'iot.sensor',
            group_key: `dev-${k}`,
            count: 10 * version,
            sum_value: 215.5 * version,
            avg_value: 21.55,
            min_value: 18,
            max_value: 25,
            distinct_users: 0,
            version,
            is_final: false,
            processed_time: Date.now(),
            retracted: false,
          });
        }
      }
    }
  }
  return out;
}

function lookupPath(n: number): string {
  const key = `dev-${Math.floor(Math.random() * keys)}`;
  return n % 2 === 0 ? `/api/v1/aggregates/iot.sensor/${key}` : `/api/v1/aggregates/iot.sensor/${key}/windows/tumbling_1m?limit=10`;
}

async function throughApi(url: string, token: string): Promise<{ p50: number; p99: number; rps: number; errors: number }> {
  const headers = { authorization: `Bearer ${token}` };
  const result = await pacedLoad({ url, rate, seconds, connections: 32, request: (n) => ({ path: lookupPath(n), headers }) });
  return { p50: result.p50, p99: result.p99, rps: result.achievedPerSecond, errors: result.errors + result.non2xx };
}

/** The same lookups against the store alone, at the same rate, in this process. */
async function storeAlone(store: AggregateStore, windowNames: string[]): Promise<{ p50: number; p99: number }> {
  const latencies: number[] = [];
  const perTick = rate / 100;
  const end = Date.now() + seconds * 1000;
  let n = 0;
  while (Date.now() < end) {
    const tick = Date.now();
    const calls: Promise<void>[] = [];
    for (let i = 0; i < perTick; i++) {
      const key = `dev-${Math.floor(Math.random() * keys)}`;
      const started = process.hrtime.bigint();
      const call =
        n++ % 2 === 0 ? store.latest('iot.sensor', key, windowNames) : store.recent('iot.sensor', key, 'tumbling_1m', { limit: 10 });
      calls.push(call.then(() => void latencies.push(Number(process.hrtime.bigint() - started) / 1e6)));
    }
    await Promise.all(calls);
    await new Promise((r) => setTimeout(r, Math.max(0, 10 - (Date.now() - tick))));
  }
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function main(): Promise<void> {
  const name = uniqueName('bench-serving');
  const suffix = name.replace(/[^a-z0-9]/g, '');
  const dir = tempDir('bench-serving');
  const pipelinePath = writeTestPipeline({ suffix, dir });
  const pipeline = loadPipelineConfig(pipelinePath);
  const topic = pipeline.topics.aggregated.name;
  const kafka = createKafka(kafkaSettingsFromEnv('bench-serving', process.env, { brokers: brokers.split(',') }));
  await withAdmin(kafka, (admin) => ensureTopics(admin, [{ topic, numPartitions: 6, compacted: false }]));
  const catalog = new SchemaCatalog(new RegistryClient(registryUrl, { credentials: registryCredentials }), pipeline);
  await catalog.registerPipelineSchemas();
  const producer = createTransactionalProducer(kafka, `bench-serving-${randomUUID()}`);
  await producer.connect();
  const records = recordsFor(pipeline);
  for (let i = 0; i < records.length; i += 5000) {
    const tx = await producer.transaction();
    await tx.send({
      topic,
      messages: records.slice(i, i + 5000).map((r) => ({ key: aggregateKey(r), value: catalog.encode(catalog.aggregated, r) })),
    });
    await tx.commit();
  }
  const windowNames = pipeline.windows.map((w) => w.name);
  const redisPrefix = `bench-serving-${randomUUID().slice(0, 8)}:`;
  const results: Record<string, unknown> = { keys, records: records.length, rate, seconds, runs };

  for (const storeKind of ['memory', 'redis'] as const) {
    const env: Record<string, string> = { DATA_DIR: join(dir, storeKind), SERVING_STORE: storeKind };
    if (storeKind === 'redis') Object.assign(env, { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: redisPrefix });
    const api = await startBenchApi(pipelinePath, port, dir, env);
    const token = api.token('bench-serving');
    try {
      // Ready once the last key's vector is served.
      for (let waited = 0; ; waited += 100) {
        const answer = await fetch(`${api.url}/api/v1/aggregates/iot.sensor/dev-${keys - 1}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        if (answer.status === 200 && ((await answer.json()) as { windows: Record<string, unknown> }).windows.tumbling_1m) break;
        if (waited > 120_000) throw new Error('the API did not serve the aggregates within 2 minutes');
        await new Promise((r) => setTimeout(r, 100));
      }
      await pacedLoad({
        url: api.url,
        rate,
        seconds: 2,
        connections: 32,
        request: (n) => ({ path: lookupPath(n), headers: { authorization: `Bearer ${token}` } }),
      }); // warm-up
      const apiRuns = [];
      const floorRuns = [];
      for (let r = 0; r < runs; r++) {
        apiRuns.push(await throughApi(api.url, token));
        // The same process's cheapest route at the same rate: the HTTP stack's floor on this machine right now.
        const floor = await pacedLoad({ url: api.url, rate, seconds, connections: 32, request: () => ({ path: '/api/v1/health/live' }) });
        floorRuns.push({ p50: floor.p50, p99: floor.p99 });
      }
      // The store alone: the embedded one rebuilt from the snapshot the API writes, Redis as the API filled it.
      let store: AggregateStore;
      let redis: Redis | undefined;
      if (storeKind === 'memory') {
        const memory = new MemoryAggregateStore(null, POLICY, 10_000);
        await memory.open();
        const bySource = records.map((record, i) => ({ record, partition: 0, offset: BigInt(i) }));
        await memory.apply(bySource, new Map());
        store = memory;
      } else {
        redis = new Redis('redis://127.0.0.1:6379', { enableAutoPipelining: true });
        store = new RedisAggregateStore(redis, redisPrefix, topic, POLICY, 3600_000);
      }
      const storeRuns = [];
      for (let r = 0; r < runs; r++) storeRuns.push(await storeAlone(store, windowNames));

      // Freshness: commit one new version, poll the API until it is served.
      const fresh: number[] = [];
      for (let i = 0; i < 60; i++) {
        const record = { ...records[0], group_key: `fresh-${storeKind}-${i}`, processed_time: Date.now() };
        const tx = await producer.transaction();
        await tx.send({ topic, messages: [{ key: aggregateKey(record), value: catalog.encode(catalog.aggregated, record) }] });
        await tx.commit();
        const committed = Date.now();
        for (;;) {
          const answer = await fetch(`${api.url}/api/v1/aggregates/iot.sensor/${record.group_key}`, {
            headers: { authorization: `Bearer ${token}` },
          });
          if (answer.status === 200 && ((await answer.json()) as { windows: Record<string, unknown> }).windows[record.window_name]) break;
          if (Date.now() - committed > 10_000) throw new Error('an aggregate was not served within 10 s');
          await new Promise((r) => setTimeout(r, 2));
        }
        fresh.push(Date.now() - committed);
      }
      fresh.sort((a, b) => a - b);
      if (redis) {
        const stale = await redis.keys(`${redisPrefix}*`);
        for (let i = 0; i < stale.length; i += 1000) await redis.del(...stale.slice(i, i + 1000));
        redis.disconnect();
      }
      const apiP99 = median(apiRuns.map((r) => r.p99));
      const storeP99 = median(storeRuns.map((r) => r.p99));
      results[storeKind] = {
        api_p50_ms: median(apiRuns.map((r) => r.p50)),
        api_p99_ms: apiP99,
        api_achieved_per_s: round(median(apiRuns.map((r) => r.rps)), 0),
        api_errors: apiRuns.reduce((s, r) => s + r.errors, 0),
        http_floor_p99_ms: median(floorRuns.map((r) => r.p99)),
        store_p50_ms: round(median(storeRuns.map((r) => r.p50)), 3),
        store_p99_ms: round(storeP99, 3),
        api_to_store_p99_ratio: round(apiP99 / Math.max(storeP99, 0.001), 1),
        freshness_p50_ms: percentile(fresh, 50),
        freshness_p95_ms: percentile(fresh, 95),
        runs: { api: apiRuns, store: storeRuns, http_floor: floorRuns },
      };
      console.log(storeKind, JSON.stringify(results[storeKind]));
    } finally {
      await api.stop();
    }
  }
  await producer.disconnect();

  mkdirSync(resolve(root, 'docs/benchmarks'), { recursive: true });
  writeFileSync(resolve(root, 'docs/benchmarks/serving.json'), JSON.stringify(results, null, 2) + '\n');
  const row = (kind: 'memory' | 'redis') => {
    const r = results[kind] as Record<string, number>;
    return `| ${kind === 'memory' ? 'embedded' : 'Redis'} | ${r.api_p50_ms} ms | ${r.api_p99_ms} ms | ${r.api_achieved_per_s} | ${r.api_errors} | ${r.http_floor_p99_ms} ms | ${r.store_p99_ms} ms | ${r.api_to_store_p99_ratio}× | ${r.freshness_p50_ms} ms | ${r.freshness_p95_ms} ms |`;
  };
  writeFileSync(
    resolve(root, 'docs/benchmarks/serving.md'),
    `## Online aggregate lookups

The ingest API as its own process serving a private aggregated topic (${keys} keys × ${pipeline.windows.length} window names,
${records.length} committed records with corrections), driven at a fixed ${rate} lookups/s, evenly spaced, over keep-alive
(open loop, \`bench/paced-load.ts\`: each latency from the request's scheduled send time; 32 connections, a JWT on every request, half feature vectors, half \`windows/tumbling_1m?limit=10\`, random keys),
${runs} runs of ${seconds} s, medians. "Store alone": the same lookups, same rate, straight against the store in the
benchmark process (no HTTP, no auth). "HTTP floor": \`GET /api/v1/health/live\` on the same API process at the same
rate (no auth, no store), measured right after each lookup run, to separate the machine's load from the lookup's cost. Freshness: an aggregate committed in a Kafka transaction, then the API polled
every 2 ms until it serves it (60 samples). The load generator, the API, Redis and the broker share the machine's
two cores (and, on this machine, with other people's work), so absolute figures drift between runs.

| store | API p50 | API p99 | achieved/s | errors | HTTP floor p99 | store alone p99 | API/store p99 | commit→servable p50 | p95 |
|---|---|---|---|---|---|---|---|---|---|
${row('memory')}
${row('redis')}
`,
  );
  console.log('wrote docs/benchmarks/serving.{md,json}');
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
