/**
 * Exactly-once under kill -9: the sink runs as a child process (DuckDB warehouse, local lake) while
 * events and transactional aggregates are produced, and is killed with SIGKILL at random moments,
 * three times, each time restarted. Afterwards the warehouse's row counts and sums equal the input
 * exactly, every aggregate holds its highest version, the stored offsets are the ends of the topics,
 * and the lake holds every record once: no duplicate rows and no two objects with overlapping offsets.
 */
import { ChildProcess } from 'child_process';
import { closeSync, openSync, readFileSync } from 'fs';
import { join } from 'path';
import { Kafka } from 'kafkajs';
import { AggregatedRecord } from '@platform/contracts';
import { withAdmin } from '@platform/kafka';
import { eventually, testKafka, uniqueName } from '@test/support';
import { spawnApp } from '../support/processes';
import { ensureRegistry, TestRegistry } from '../support/registry';
import { aggregate, lakeObjectParts, makeEvent, queryDuckDbFile, queryParquet, tempDir, TestEvent, TestPipeline, writeSinkPipeline } from './support';

const EVENTS = 18_000;
const CHUNK = 1_000;
const AGG_KEYS = 200;
const KILLS = 3;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('sink: kill -9 under load', () => {
  let kafka: Kafka;
  let registry: TestRegistry;
  let tp: TestPipeline | undefined;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    kafka = testKafka('sink-crash-e2e');
    registry = await ensureRegistry();
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await tp?.deleteTopics(kafka);
    await registry?.close();
  });

  it('loses nothing and duplicates nothing in the warehouse or the lake across three kill -9 restarts', async () => {
    const suffix = uniqueName('crash');
    const dir = tempDir('sink-crash');
    const pipelinePath = writeSinkPipeline(dir, suffix);
    tp = await TestPipeline.create(pipelinePath, registry.url, kafka, registry.credentials);
    const runId = suffix.replace(/\W/g, '');
    const baseTime = Date.UTC(2026, 5, 1, 9, 40);
    const logPath = join(dir, 'sink.log');
    const log = openSync(logPath, 'a');

    const env = {
      ...process.env,
      PIPELINE_CONFIG: pipelinePath,
      ...registry.clientEnv,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
      DATA_DIR: dir,
      SINK_WAREHOUSE_GROUP: `${suffix}.warehouse`,
      SINK_LAKE_GROUP: `${suffix}.lake`,
      SINK_FLUSH_MAX_RECORDS: '700',
      SINK_FLUSH_INTERVAL: '250ms',
      SINK_KAFKA_SESSION_TIMEOUT: '6s',
      SINK_OPS_PORT: '0',
      LOG_LEVEL: 'warn',
    };
    const exits: Array<string | number | null> = [];
    const startChild = () => {
      const proc = spawnApp('sink', { env, stdio: ['ignore', log, log] });
      proc.on('exit', (code, signal) => exits.push(signal ?? code));
      return proc;
    };

    // Producer: events in chunks, and per chunk a transaction of aggregate versions (some late and lower).
    const produced: TestEvent[] = [];
    const aggregates: AggregatedRecord[] = [];
    const producing = (async () => {
      for (let start = 0; start < EVENTS; start += CHUNK) {
        const batch = Array.from({ length: CHUNK }, (_, k) => makeEvent(start + k, baseTime, runId, 500));
        produced.push(...(await tp!.produceEvents(kafka, batch)));
        const round = start / CHUNK;
        const versions = Array.from({ length: AGG_KEYS / 4 }, (_, k) => {
          const key = (round * 7 + k * 4) % AGG_KEYS;
          return aggregate({
            group_key: `g-${key}`,
            window_start: baseTime + key * 60_000,
            window_end: baseTime + key * 60_000 + 60_000,
            // Rounds 0..17 raise the version; every third round also re-sends an older one late.
            version: round % 3 === 2 ? Math.max(1, round - 2) : round + 1,
            count: (round + 1) * 10 + key,
            sum_value: round * 1.5,
          });
        });
        await tp!.produceAggregates(kafka, versions);
        aggregates.push(...versions);
        await sleep(250);
      }
    })();

    // Kill the sink at random moments while it loads, restarting it each time.
    child = startChild();
    for (let kill = 0; kill < KILLS; kill++) {
      await sleep(3000 + Math.floor(Math.random() * 3000));
      child.kill('SIGKILL');
      await new Promise((r) => (child!.exitCode !== null || child!.signalCode !== null ? r(undefined) : child!.once('exit', r)));
      child = startChild();
    }
    await producing;

    const iot = produced.filter((e) => e.type === 'iot.sensor');
    const clicks = produced.filter((e) => e.type === 'clickstream');
    const trades = produced.filter((e) => e.type === 'transaction');
    const duckdb = join(dir, 'warehouse.duckdb');
    const rawGlobs = tp.pipeline.eventTypes.map((t) => join(dir, 'lake', t.topic, '**/*.parquet'));
    const aggGlob = join(dir, 'lake', tp.pipeline.topics.aggregated.name, '**/*.parquet');
    try {
      await eventually(async () => {
        const [{ n }] = await queryParquet<{ n: bigint }>((src) => `SELECT count(*) AS n FROM ${src}`, rawGlobs);
        const [{ a }] = await queryParquet<{ a: bigint }>((src) => `SELECT count(*) AS a FROM ${src}`, [aggGlob]);
        return Number(n) >= EVENTS && Number(a) >= aggregates.length;
      }, 'every record in the lake', 120_000, 1000);
      await eventually(async () => {
        const [{ n }] = await queryDuckDbFile<{ n: bigint }>(duckdb, 'SELECT count(*) AS n FROM raw.events');
        return Number(n) >= EVENTS;
      }, 'every event in the warehouse', 60_000, 500);
    } catch (error) {
      process.stderr.write(readFileSync(logPath, 'utf8').slice(-4000));
      throw error;
    }
    // A graceful stop flushes and commits the rest.
    child.kill('SIGTERM');
    await new Promise((r) => (child!.exitCode !== null ? r(undefined) : child!.once('exit', r)));
    closeSync(log);
    expect(exits.filter((e) => e === 'SIGKILL')).toHaveLength(KILLS);
    expect(exits[exits.length - 1]).toBe(0);

    // Warehouse: counts and sums equal the input exactly.
    const [w] = await queryDuckDbFile<Record<string, number | bigint>>(
      duckdb,
      `SELECT count(*) AS n, count(DISTINCT event_id) AS ids,
              count(*) FILTER (WHERE event_type = 'iot.sensor') AS iot,
              sum((payload->>'temperature')::DOUBLE) AS temperature,
              sum((payload->>'duration_ms')::BIGINT) AS duration,
              sum((payload->>'quantity')::BIGINT) AS quantity
       FROM raw.events`,
    );
    const sum = (events: TestEvent[], field: string) => events.reduce((s, e) => s + Number((e.value.payload as Record<string, unknown>)[field] ?? 0), 0);
    expect(Number(w.n)).toBe(EVENTS);
    expect(Number(w.ids)).toBe(EVENTS);
    expect(Number(w.iot)).toBe(iot.length);
    expect(Number(w.temperature)).toBe(sum(iot, 'temperature'));
    expect(Number(w.duration)).toBe(sum(clicks, 'duration_ms'));
    expect(Number(w.quantity)).toBe(sum(trades, 'quantity'));

    // Aggregates: one row per key, its highest version.
    const expected = new Map<string, AggregatedRecord>();
    for (const a of aggregates) {
      const current = expected.get(a.group_key);
      if (!current || a.version > current.version) expected.set(a.group_key, a);
    }
    const rows = await queryDuckDbFile<{ group_key: string; version: number; count: bigint }>(duckdb, 'SELECT group_key, version, count FROM analytics.aggregated_events');
    expect(rows).toHaveLength(expected.size);
    for (const row of rows) {
      const want = expected.get(row.group_key)!;
      expect({ key: row.group_key, version: row.version, count: Number(row.count) }).toEqual({ key: want.group_key, version: want.version, count: want.count });
    }

    // The offsets stored with the rows are the ends of the topics.
    const stored = await queryDuckDbFile<{ topic: string; partition: number; next_offset: bigint }>(duckdb, 'SELECT topic, "partition", next_offset FROM sink_state.offsets');
    const topics = [...tp.pipeline.eventTypes.map((t) => t.topic), tp.pipeline.topics.aggregated.name];
    const ends = await withAdmin(kafka, async (admin) => {
      const out = new Map<string, number>();
      for (const topic of topics) for (const p of await admin.fetchTopicOffsets(topic)) out.set(`${topic}/${p.partition}`, Number(p.high));
      return out;
    });
    for (const [key, end] of ends) {
      const row = stored.find((s) => `${s.topic}/${s.partition}` === key);
      if (end === 0) continue;
      expect(row).toBeDefined();
      // The aggregated topic ends with a transaction marker, which is never delivered.
      expect(end - Number(row!.next_offset)).toBeLessThanOrEqual(key.startsWith(tp.pipeline.topics.aggregated.name) ? 1 : 0);
    }

    // Lake: every record once, no duplicate rows, no overlapping objects.
    const [lake] = await queryParquet<Record<string, bigint>>(
      (src) => `SELECT count(*) AS n, count(DISTINCT (topic, "partition", "offset")) AS records, count(DISTINCT event_id) AS ids FROM ${src}`,
      rawGlobs,
    );
    expect({ n: Number(lake.n), records: Number(lake.records), ids: Number(lake.ids) }).toEqual({ n: EVENTS, records: EVENTS, ids: EVENTS });
    const [lakeAgg] = await queryParquet<Record<string, bigint>>((src) => `SELECT count(*) AS n, count(DISTINCT (topic, "partition", "offset")) AS records FROM ${src}`, [aggGlob]);
    expect({ n: Number(lakeAgg.n), records: Number(lakeAgg.records) }).toEqual({ n: aggregates.length, records: aggregates.length });
    const files = await queryParquet<{ filename: string }>((src) => `SELECT DISTINCT filename FROM ${src}`, [...rawGlobs, aggGlob]);
    const ranges = new Map<string, Array<[number, number]>>();
    for (const { filename } of files) {
      const parts = lakeObjectParts(filename)!;
      const list = ranges.get(`${parts.topic}/${parts.partition}`) ?? [];
      if (!list.some(([f, l]) => f === parts.firstOffset && l === parts.lastOffset)) list.push([parts.firstOffset, parts.lastOffset]);
      ranges.set(`${parts.topic}/${parts.partition}`, list);
    }
    for (const list of ranges.values()) {
      list.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < list.length; i++) expect(list[i][0]).toBeGreaterThan(list[i - 1][1]);
    }
  });
});
