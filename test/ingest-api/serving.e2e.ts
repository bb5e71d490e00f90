/**
 * Online aggregate lookups against the real broker, registry and Redis. Aggregate records are
 * written to the aggregated topic in Kafka transactions, as the processor writes them (one aborted),
 * with corrections, a session retraction and an aborted higher version. The API must serve only
 * committed data, the highest version, no retracted session; resume from its snapshot after a
 * restart (not from the topic's start), and two instances sharing Redis must answer alike.
 */
import { randomUUID } from 'crypto';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { Producer } from 'kafkajs';
import Redis from 'ioredis';
import WebSocket from 'ws';
import { AggregatedRecord, aggregateKey } from '@platform/contracts';
import { createTransactionalProducer, ensureTopics, withAdmin } from '@platform/kafka';
import { RegistryClient, SchemaCatalog } from '@platform/schema';
import { eventually, testKafka } from '@test/support';
import { servingMetrics } from '../../apps/ingest-api/src/serving/serving-metrics';
import { AggregateMaterializer } from '../../apps/ingest-api/src/serving/aggregate-materializer';
import { registry, startTestApi, TestApi, token, writeIngestPipeline } from './support';

const MIN = 60_000;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const T0 = Math.floor(Date.now() / 3600_000) * 3600_000 - 2 * 3600_000;

function agg(over: Partial<AggregatedRecord> & Pick<AggregatedRecord, 'window_name' | 'group_key' | 'window_start' | 'version'>): AggregatedRecord {
  const kind = over.window_name.startsWith('session') ? 'session' : over.window_name.startsWith('sliding') ? 'sliding' : 'tumbling';
  return {
    window_end: over.window_start + MIN,
    window_kind: kind,
    event_type: 'iot.sensor',
    count: over.version * 10,
    sum_value: over.version * 100,
    avg_value: 10,
    min_value: 1,
    max_value: 20,
    distinct_users: 1,
    is_final: false,
    processed_time: Date.now(),
    retracted: false,
    ...over,
  };
}

interface Feed {
  topic: string;
  catalog: SchemaCatalog;
  producer: Producer;
  write(records: AggregatedRecord[], abort?: boolean): Promise<void>;
  close(): Promise<void>;
}

async function aggregatedFeed(pipeline: ReturnType<typeof writeIngestPipeline>['pipeline']): Promise<Feed> {
  const reg = await registry();
  const kafka = testKafka('serving-e2e');
  const topic = pipeline.topics.aggregated.name;
  await withAdmin(kafka, (admin) => ensureTopics(admin, [{ topic, numPartitions: 6, compacted: false }]));
  const catalog = new SchemaCatalog(new RegistryClient(reg.url, { credentials: reg.credentials }), pipeline);
  await catalog.registerPipelineSchemas();
  const producer = createTransactionalProducer(kafka, `serving-e2e-${randomUUID()}`);
  await producer.connect();
  return {
    topic,
    catalog,
    producer,
    async write(records, abort = false) {
      const tx = await producer.transaction();
      await tx.send({ topic, messages: records.map((r) => ({ key: aggregateKey(r), value: catalog.encode(catalog.aggregated, r) })) });
      if (abort) await tx.abort();
      else await tx.commit();
    },
    close: () => producer.disconnect(),
  };
}

async function get(api: TestApi, path: string, scopes = ['aggregates:read:iot.sensor']): Promise<{ status: number; body: any }> {
  const response = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${token(scopes)}` } });
  return { status: response.status, body: await response.json() };
}

async function appliedTotal(): Promise<number> {
  return (await servingMetrics.applied.get()).values.reduce((sum, v) => sum + v.value, 0);
}

interface LiveClient {
  ws: WebSocket;
  from: Record<string, number>;
  records: Array<{ partition: number; offset: number; event: AggregatedRecord }>;
}

function liveUrl(api: TestApi, query: Record<string, string>, scopes = ['aggregates:read:iot.sensor']): string {
  return `${api.url.replace('http', 'ws')}/api/v1/stream/aggregates?${new URLSearchParams({ access_token: token(scopes), ...query })}`;
}

function live(url: string): Promise<LiveClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const client: LiveClient = { ws, from: {}, records: [] };
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString());
      if (message.type === 'subscribed') {
        client.from = message.from;
        resolve(client);
      } else client.records.push(message);
    });
    ws.on('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.on('error', reject);
  });
}

/** Where a client resumes: after the last record it got per partition, else where it started. */
function resumeFrom(client: LiveClient): string {
  const next = new Map(Object.entries(client.from).map(([p, o]) => [Number(p), o]));
  for (const r of client.records) next.set(r.partition, r.offset + 1);
  return [...next].map(([p, o]) => `${p}:${o}`).join(',');
}

const versions = (client: LiveClient) => client.records.map((r) => `${r.event.group_key}@${r.event.window_start - T0}v${r.event.version}${r.event.retracted ? 'R' : ''}`);

describe('online aggregate lookups (real broker, registry, Redis)', () => {
  const apis: TestApi[] = [];
  const feeds: Feed[] = [];
  afterAll(async () => {
    await Promise.all(apis.map((a) => a.close().catch(() => undefined)));
    await Promise.all(feeds.map((f) => f.close()));
  });

  it('serves committed versions only, never a retracted session, and resumes from its snapshot after a restart', async () => {
    const { path, pipeline } = writeIngestPipeline();
    const feed = await aggregatedFeed(pipeline);
    feeds.push(feed);
    const dataDir = mkdtempSync(join(tmpdir(), 'serving-e2e-'));
    const env = { DATA_DIR: dataDir, SERVING_STORE: 'memory', SERVING_SNAPSHOT_INTERVAL: '100ms' };
    const key = 'device/7 ü|x';
    const encoded = encodeURIComponent(key);

    await feed.write([agg({ window_name: 'tumbling_1m', group_key: key, window_start: T0, version: 1 }), agg({ window_name: 'tumbling_1m', group_key: key, window_start: T0 + MIN, version: 1 })]);
    await feed.write([agg({ window_name: 'tumbling_1m', group_key: key, window_start: T0 + MIN, version: 2 })]);
    // An aborted transaction's higher version must never be served.
    await feed.write([agg({ window_name: 'tumbling_1m', group_key: key, window_start: T0 + MIN, version: 9 })], true);
    // A session emitted, then retracted (a late event moved its start), re-emitted under new bounds.
    await feed.write([agg({ window_name: 'session_30m', group_key: key, window_start: T0 + 10 * MIN, window_end: T0 + 40 * MIN, version: 1 })]);
    await feed.write([
      agg({ window_name: 'session_30m', group_key: key, window_start: T0 + 10 * MIN, window_end: T0 + 40 * MIN, version: 2, retracted: true }),
      agg({ window_name: 'session_30m', group_key: key, window_start: T0 + 5 * MIN, window_end: T0 + 40 * MIN, version: 3 }),
    ]);
    await feed.write([agg({ window_name: 'tumbling_1m', group_key: 'other', window_start: T0, version: 1 })]);

    const api = await startTestApi({ pipelinePath: path, env });
    apis.push(api);
    const vector = await eventually(async () => {
      const answer = await get(api, `/api/v1/aggregates/iot.sensor/${encoded}`);
      return answer.status === 200 && answer.body.windows.session_30m ? answer : undefined;
    }, 'the feature vector', 30_000);
    expect(vector.body).toMatchObject({ topic: api.topic('iot.sensor'), event_type: 'iot.sensor', group_key: key });
    expect(Object.keys(vector.body.windows).sort()).toEqual(pipeline.windows.map((w) => w.name).sort());
    expect(vector.body.windows.tumbling_1m).toMatchObject({ window_start: T0 + MIN, version: 2, count: 20, sum_value: 200, is_final: false, retracted: false });
    expect(vector.body.windows.session_30m).toMatchObject({ window_start: T0 + 5 * MIN, window_end: T0 + 40 * MIN, version: 3 });
    expect(vector.body.windows.tumbling_5m).toBeNull();

    const recent = await get(api, `/api/v1/aggregates/${api.topic('iot.sensor')}/${encoded}/windows/tumbling_1m?limit=5`);
    expect(recent.status).toBe(200);
    expect(recent.body.windows.map((w: AggregatedRecord) => [w.window_start, w.version])).toEqual([
      [T0 + MIN, 2],
      [T0, 1],
    ]);
    const bounded = await get(api, `/api/v1/aggregates/iot.sensor/${encoded}/windows/tumbling_1m?from=${T0}&to=${new Date(T0 + MIN).toISOString()}`);
    expect(bounded.body.windows.map((w: AggregatedRecord) => w.window_start)).toEqual([T0]);
    const sessions = await get(api, `/api/v1/aggregates/iot.sensor/${encoded}/windows/session_30m`);
    expect(sessions.body.windows.map((w: AggregatedRecord) => w.window_start)).toEqual([T0 + 5 * MIN]);

    // Authorization, validation and the error format.
    const forbidden = await get(api, `/api/v1/aggregates/iot.sensor/${encoded}`, ['aggregates:read:clickstream', 'events:write:iot.sensor']);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({ error_code: 'FORBIDDEN', details: { required: 'aggregates:read:iot.sensor' } });
    expect(Object.keys(forbidden.body).sort()).toEqual(['details', 'error_code', 'message', 'request_id', 'timestamp']);
    expect((await get(api, `/api/v1/aggregates/iot.sensor/${encoded}`, ['events:read:iot.sensor'])).status).toBe(200);
    expect((await get(api, `/api/v1/aggregates/nope/${encoded}`)).body.error_code).toBe('UNKNOWN_TOPIC');
    expect((await get(api, `/api/v1/aggregates/iot.sensor/${encoded}/windows/hourly`)).body.error_code).toBe('UNKNOWN_WINDOW');
    for (const query of ['limit=0', 'limit=100000', 'limit=x', 'from=yesterday', `from=${T0 + MIN}&to=${T0}`]) {
      const bad = await get(api, `/api/v1/aggregates/iot.sensor/${encoded}/windows/tumbling_1m?${query}`);
      expect([bad.status, bad.body.error_code]).toEqual([400, 'INVALID_QUERY']);
    }
    const unauthenticated = await fetch(`${api.url}/api/v1/aggregates/iot.sensor/${encoded}`);
    expect(unauthenticated.status).toBe(401);
    const docs = (await (await fetch(`${api.url}/docs-json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(docs.paths)).toEqual(expect.arrayContaining(['/api/v1/aggregates/{topic}/{key}', '/api/v1/aggregates/{topic}/{key}/windows/{window}']));

    // Restart on the same data directory: the snapshot is loaded, only newer records are read.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await api.close();
    apis.pop();
    await feed.write([agg({ window_name: 'tumbling_1m', group_key: key, window_start: T0 + 2 * MIN, version: 1 })]);
    const before = await appliedTotal();
    const again = await startTestApi({ pipelinePath: path, env });
    apis.push(again);
    const resumed = await eventually(async () => {
      const answer = await get(again, `/api/v1/aggregates/iot.sensor/${encoded}`);
      return answer.status === 200 && answer.body.windows.tumbling_1m?.window_start === T0 + 2 * MIN ? answer : undefined;
    }, 'the record written while the API was down', 30_000);
    expect(resumed.body.windows.session_30m).toMatchObject({ window_start: T0 + 5 * MIN, version: 3 });
    expect(await appliedTotal() - before).toBe(1);
  });

  it('two instances sharing Redis give the same answers, and a restarted one serves them at once', async () => {
    const { path, pipeline } = writeIngestPipeline();
    const feed = await aggregatedFeed(pipeline);
    feeds.push(feed);
    const prefix = `serving-e2e-${randomUUID().slice(0, 8)}:`;
    const env = { REDIS_URL, REDIS_KEY_PREFIX: prefix };
    const records: AggregatedRecord[] = [];
    for (let d = 0; d < 20; d++) {
      for (let w = 0; w < 5; w++) {
        for (let v = 1; v <= 1 + ((d + w) % 3); v++) records.push(agg({ window_name: 'tumbling_1m', group_key: `d${d}`, window_start: T0 + w * MIN, version: v }));
      }
      records.push(agg({ window_name: 'session_30m', group_key: `d${d}`, window_start: T0, window_end: T0 + 31 * MIN, version: 1 }));
      if (d % 2 === 0) records.push(agg({ window_name: 'session_30m', group_key: `d${d}`, window_start: T0, window_end: T0 + 31 * MIN, version: 2, retracted: true }));
    }
    for (let i = 0; i < records.length; i += 25) await feed.write(records.slice(i, i + 25));
    const a = await startTestApi({ pipelinePath: path, env });
    const b = await startTestApi({ pipelinePath: path, env });
    apis.push(a, b);
    const answers = async (api: TestApi) => {
      const out: unknown[] = [];
      for (let d = 0; d < 20; d++) out.push((await get(api, `/api/v1/aggregates/iot.sensor/d${d}/windows/tumbling_1m?limit=10`)).body.windows, (await get(api, `/api/v1/aggregates/iot.sensor/d${d}`)).body.windows.session_30m);
      return out;
    };
    // Both caught up with everything written before they started: then they must answer alike.
    await a.api.app.get(AggregateMaterializer).ready(30_000);
    await b.api.app.get(AggregateMaterializer).ready(30_000);
    const fromA = await answers(a);
    expect(await answers(b)).toEqual(fromA);
    for (let d = 0; d < 20; d++) {
      const windows = fromA[2 * d] as Array<{ window_start: number; version: number }>;
      expect(windows.map((w) => [w.window_start, w.version])).toEqual([4, 3, 2, 1, 0].map((w) => [T0 + w * MIN, 1 + ((d + w) % 3)]));
      expect(fromA[2 * d + 1] === null).toBe(d % 2 === 0);
    }
    // The store holds the hash per (key, window name), with a TTL.
    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${prefix}agg:*`);
      expect(keys.length).toBeGreaterThan(0);
      expect(await redis.pttl(keys[0])).toBeGreaterThan(0);
      await a.close();
      apis.splice(apis.indexOf(a), 1);
      // A fresh instance reads only what its shared offsets do not cover yet.
      const before = await appliedTotal();
      const c = await startTestApi({ pipelinePath: path, env });
      apis.push(c);
      await c.api.app.get(AggregateMaterializer).ready(30_000);
      expect(await answers(c)).toEqual(fromA);
      expect(await appliedTotal() - before).toBe(0);
      await redis.del(...(await redis.keys(`${prefix}*`)));
    } finally {
      redis.disconnect();
    }
  });

  it('streams the aggregates of chosen keys and one window name live, every committed version in order, with resume', async () => {
    const { path, pipeline } = writeIngestPipeline();
    const feed = await aggregatedFeed(pipeline);
    feeds.push(feed);
    const api = await startTestApi({ pipelinePath: path, env: { SERVING_STORE: 'memory', DATA_DIR: mkdtempSync(join(tmpdir(), 'serving-live-')) } });
    apis.push(api);
    const query = { event_type: 'iot.sensor', group_key: 'k1,k2', window: 'tumbling_1m' };
    const refused = async (url: string) => live(url).then((c) => (c.ws.close(), 101), (e: { status?: number }) => e.status);
    expect(await refused(liveUrl(api, query, ['aggregates:read:clickstream']))).toBe(403);
    expect(await refused(liveUrl(api, { group_key: 'k1' }))).toBe(400);
    expect(await refused(`${api.url.replace('http', 'ws')}/api/v1/stream/iot.sensor?${new URLSearchParams({ access_token: token(['events:read:*']), group_key: 'k1' })}`)).toBe(400);

    const client = await live(liveUrl(api, query));
    const t = (name: string, key: string, minute: number, version: number, extra: Partial<AggregatedRecord> = {}) =>
      agg({ window_name: name, group_key: key, window_start: T0 + minute * MIN, version, ...extra });
    await feed.write([t('tumbling_1m', 'k1', 0, 1), t('tumbling_1m', 'k3', 0, 1), t('tumbling_5m', 'k1', 0, 1), t('tumbling_1m', 'k2', 1, 1)]);
    await feed.write([t('tumbling_1m', 'k1', 0, 2)]);
    await feed.write([t('tumbling_1m', 'k1', 0, 3)], true);
    await feed.write([t('tumbling_1m', 'k2', 1, 2, { is_final: true })]);
    await eventually(async () => client.records.length >= 4, 'four live aggregates', 30_000);
    // Per window, versions in commit order; the aborted version 3 and other keys or windows never arrive.
    expect(versions(client).filter((v) => v.startsWith('k1'))).toEqual(['k1@0v1', 'k1@0v2']);
    expect(versions(client).filter((v) => v.startsWith('k2'))).toEqual([`k2@${MIN}v1`, `k2@${MIN}v2`]);
    expect(client.records).toHaveLength(4);

    // Disconnect, miss some versions, resume: exactly the missed ones, in order.
    client.ws.close();
    const from = resumeFrom(client);
    await feed.write([t('tumbling_1m', 'k1', 0, 4), t('tumbling_1m', 'k9', 0, 1)]);
    await feed.write([t('tumbling_1m', 'k1', 0, 5, { is_final: true })]);
    const resumed = await live(liveUrl(api, { ...query, from }));
    await eventually(async () => resumed.records.length >= 2, 'the missed versions after resume', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(versions(resumed)).toEqual(['k1@0v4', 'k1@0v5']);
    resumed.ws.close();
  });
});
