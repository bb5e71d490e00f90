/**
 * kill -9 of the serving side mid-load: the ingest API runs as its own process with the embedded
 * store while aggregate versions are committed continuously and lookups run. It is killed with
 * SIGKILL, restarted on the same data directory, and must (a) never serve a lower version of a
 * window than one it served before, across the restart, and (b) once the load ends, serve exactly
 * what an offline application of every committed record gives (the the serving rules of @platform/windowing rules).
 */
import { randomUUID } from 'crypto';
import { join } from 'path';
import { AggregatedRecord, aggregateKey } from '@platform/contracts';
import { createTransactionalProducer, ensureTopics, withAdmin } from '@platform/kafka';
import { RegistryClient, SchemaCatalog } from '@platform/schema';
import { ServingState } from '@platform/windowing';
import { eventually, tempDir, testKafka } from '@test/support';
import { AppProcess } from '../support/processes';
import { registry, SECRET, token, writeIngestPipeline } from './support';

const MIN = 60_000;
const T0 = Math.floor(Date.now() / 3600_000) * 3600_000 - 3600_000;
const KEYS = 20;
const PORT = 27210;

describe('serving survives kill -9 (API process, real broker and registry)', () => {
  it('serves the same answers after a SIGKILL mid-load, never going back to a lower version', async () => {
    const reg = await registry();
    const { path, pipeline } = writeIngestPipeline();
    const kafka = testKafka('serving-crash');
    const topic = pipeline.topics.aggregated.name;
    await withAdmin(kafka, (admin) => ensureTopics(admin, [{ topic, numPartitions: 6, compacted: false }, ...pipeline.eventTypes.map((t) => ({ topic: t.topic, numPartitions: t.partitions, compacted: false }))]));
    const catalog = new SchemaCatalog(new RegistryClient(reg.url, { credentials: reg.credentials }), pipeline);
    await catalog.registerPipelineSchemas();
    const producer = createTransactionalProducer(kafka, `serving-crash-${randomUUID()}`);
    await producer.connect();
    const dir = tempDir('serving-crash');
    const url = `http://127.0.0.1:${PORT}`;
    const api = new AppProcess(
      'ingest-api',
      {
        KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
        ...reg.clientEnv,
        PIPELINE_CONFIG: path,
        PORT: String(PORT),
        HOST: '127.0.0.1',
        JWT_SECRET: SECRET,
        THROTTLE_LIMIT: '100000000',
        LOG_LEVEL: 'warn',
        DATA_DIR: join(dir, 'data'),
        SERVING_STORE: 'memory',
        SERVING_SNAPSHOT_INTERVAL: '300ms',
        REDIS_URL: '',
      },
      dir,
      `${url}/api/v1/health/live`,
    );
    const committed: AggregatedRecord[] = [];
    const versions = new Map<string, number>();
    let writing = true;
    const writer = (async () => {
      let n = 0;
      while (writing) {
        const batch: AggregatedRecord[] = [];
        for (let i = 0; i < 20; i++, n++) {
          const key = `d${n % KEYS}`;
          const start = T0 + (Math.floor(n / (KEYS * 3)) % 10) * MIN;
          const id = `${key}|${start}`;
          const version = (versions.get(id) ?? 0) + 1;
          versions.set(id, version);
          batch.push({
            window_start: start,
            window_end: start + MIN,
            window_name: 'tumbling_1m',
            window_kind: 'tumbling',
            event_type: 'iot.sensor',
            group_key: key,
            count: version,
            sum_value: version * 2,
            avg_value: 2,
            min_value: 1,
            max_value: 3,
            distinct_users: 1,
            version,
            is_final: false,
            processed_time: Date.now(),
            retracted: false,
          });
        }
        const tx = await producer.transaction();
        await tx.send({ topic, messages: batch.map((r) => ({ key: aggregateKey(r), value: catalog.encode(catalog.aggregated, r) })) });
        await tx.commit();
        committed.push(...batch);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    const served = new Map<string, number>();
    const regressions: string[] = [];
    let lookups = 0;
    const lookup = async (): Promise<void> => {
      for (let k = 0; k < KEYS; k++) {
        const answer = await fetch(`${url}/api/v1/aggregates/iot.sensor/d${k}/windows/tumbling_1m?limit=20`, { headers: { authorization: `Bearer ${token(['aggregates:read:*'])}` } }).catch(() => undefined);
        if (!answer || answer.status !== 200) continue;
        lookups++;
        for (const w of ((await answer.json()) as { windows: AggregatedRecord[] }).windows) {
          const id = `d${k}|${w.window_start}`;
          if ((served.get(id) ?? 0) > w.version) regressions.push(`${id}: v${w.version} after v${served.get(id)}`);
          served.set(id, Math.max(served.get(id) ?? 0, w.version));
        }
      }
    };

    try {
      await api.start();
      await eventually(async () => (await lookup(), lookups > 3 * KEYS), 'lookups answered before the crash', 60_000);
      await api.kill9();
      const atKill = committed.length;
      await api.start();
      await eventually(async () => (await lookup(), committed.length > atKill + 200 && lookups > 6 * KEYS), 'lookups answered after the restart, under load', 60_000);
      writing = false;
      await writer;

      const expected = new ServingState();
      for (const r of committed) expected.apply(r);
      const want = (k: number) => expected.recent('iot.sensor', `d${k}`, 'tumbling_1m', { limit: 20 }).map((w) => `${w.window_start}:v${w.version}`);
      const answers = async () => {
        const out: string[][] = [];
        for (let k = 0; k < KEYS; k++) {
          const answer = await fetch(`${url}/api/v1/aggregates/iot.sensor/d${k}/windows/tumbling_1m?limit=20`, { headers: { authorization: `Bearer ${token(['aggregates:read:*'])}` } });
          out.push(answer.status === 200 ? ((await answer.json()) as { windows: AggregatedRecord[] }).windows.map((w) => `${w.window_start}:v${w.version}`) : []);
        }
        return out;
      };
      const all = Array.from({ length: KEYS }, (_, k) => want(k));
      await eventually(async () => JSON.stringify(await answers()) === JSON.stringify(all), 'the restarted API serving every committed version', 60_000);
      await lookup();
      expect(regressions).toEqual([]);
      expect(committed.length).toBeGreaterThan(400);
    } finally {
      writing = false;
      await writer.catch(() => undefined);
      await api.stop();
      await producer.disconnect();
    }
  });
});
