/**
 * Sink throughput: N framed events (the three event types, Avro with the real registry) produced once to
 * private topics, then loaded by the sink (in-process, one destination at a time, a fresh consumer group
 * each run) into DuckDB (a file in a temp dir), PostgreSQL (a private database) and the local lake
 * (Parquet in a temp dir). A run is timed from startSink until the group's committed offsets reach the
 * end of every partition; rows/s = N / that time. DuckDB runs with the file opened per flush (the
 * default) and held open. Also reported: the rate from the first consumed
 * record (group join excluded) and, for the lake, MB/s of Parquet written. Three runs; medians.
 *   node -r ./scripts/register.js bench/sink.ts [--events 60000 --runs 3]
 * Writes docs/benchmarks/sink.{md,json}. Needs the broker, the registry and PostgreSQL.
 */
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { Kafka } from 'kafkajs';
import { withAdmin } from '@platform/kafka';
import { tempDir, uniqueName } from '@test/support';
import { loadSinkConfig } from '../apps/sink/src/config';
import { sinkTopics, startSink } from '../apps/sink/src/bootstrap';
import { sinkMetrics } from '../apps/sink/src/metrics';
import { createPgDatabase, makeEvent, TestPipeline, writeSinkPipeline } from '../test/sink/support';
import { createKafka, kafkaSettingsFromEnv } from '@platform/kafka';
import { median, option, registryCredentialEnv, registryCredentials, root, round } from './support';

const events = option('events', 60_000);
const runs = option('runs', 3);
const flushMaxRecords = 10_000;
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081';

type Target = 'duckdb' | 'duckdb_hold_open' | 'postgres' | 'lake';
interface RunResult {
  seconds: number;
  rows_per_s: number;
  /** From the first consumed record to all offsets committed (group join excluded). */
  consuming_rows_per_s: number;
  parquet_bytes?: number;
  parquet_mb_per_s?: number;
  parquet_objects?: number;
}


function parquetFiles(dir: string): { bytes: number; objects: number } {
  let bytes = 0;
  let objects = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop()!;
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) stack.push(path);
      else if (entry.name.endsWith('.parquet')) {
        bytes += statSync(path).size;
        objects++;
      }
    }
  }
  return { bytes, objects };
}

async function consumedTotal(): Promise<number> {
  return (await sinkMetrics.consumed.get()).values.reduce((n, v) => n + v.value, 0);
}

/** True when the group's committed offsets reach every partition's end. */
async function allCommitted(kafka: Kafka, groupId: string, topics: string[], ends: Map<string, number>): Promise<boolean> {
  const committed = await withAdmin(kafka, (admin) => admin.fetchOffsets({ groupId, topics }));
  for (const { topic, partitions } of committed) {
    for (const p of partitions) {
      // An empty partition has nothing to commit (its committed offset stays -1).
      const end = ends.get(`${topic}:${p.partition}`) ?? 0;
      if (end > 0 && Number(p.offset) < end) return false;
    }
  }
  return true;
}

async function runOnce(target: Target, pipelinePath: string, kafka: Kafka, topics: string[], ends: Map<string, number>): Promise<RunResult> {
  const dir = tempDir(`bench-sink-${target}`);
  const group = uniqueName(`bench-sink-${target}`);
  const pg = target === 'postgres' ? await createPgDatabase() : undefined;
  const config = loadSinkConfig({
    PIPELINE_CONFIG: pipelinePath,
    KAFKA_BROKERS: brokers.join(','),
    SCHEMA_REGISTRY_URL: registryUrl,
    ...registryCredentialEnv,
    DATA_DIR: dir,
    SINK_DESTINATIONS: target === 'lake' ? 'lake' : 'warehouse',
    WAREHOUSE: target === 'postgres' ? 'postgres' : 'duckdb',
    WAREHOUSE_DUCKDB_HOLD_OPEN: String(target === 'duckdb_hold_open'),
    ...(pg ? { WAREHOUSE_URL: pg.url } : {}),
    SINK_WAREHOUSE_GROUP: `${group}.warehouse`,
    SINK_LAKE_GROUP: `${group}.lake`,
    SINK_FLUSH_MAX_RECORDS: String(flushMaxRecords),
    SINK_FLUSH_INTERVAL: '1s',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  });
  const groupId = target === 'lake' ? config.lakeGroup : config.warehouseGroup;
  const consumedBefore = await consumedTotal();
  const started = performance.now();
  const sink = await startSink({ config });
  let firstConsumedAt: number | undefined;
  try {
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (firstConsumedAt === undefined && (await consumedTotal()) > consumedBefore) firstConsumedAt = performance.now();
      if (await allCommitted(kafka, groupId, topics, ends)) break;
      if (Date.now() > deadline) throw new Error(`${target}: offsets not committed within 3 minutes`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    const consumingSeconds = (performance.now() - (firstConsumedAt ?? started)) / 1000;
    const result: RunResult = { seconds: round(seconds, 2), rows_per_s: Math.round(events / seconds), consuming_rows_per_s: Math.round(events / consumingSeconds) };
    if (target === 'lake') {
      const { bytes, objects } = parquetFiles(join(dir, 'lake'));
      Object.assign(result, { parquet_bytes: bytes, parquet_objects: objects, parquet_mb_per_s: round(bytes / 2 ** 20 / seconds, 2) });
    }
    return result;
  } finally {
    await sink.stop();
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const kafka = createKafka(kafkaSettingsFromEnv('bench-sink', process.env, { brokers }));
  const suffix = uniqueName('bench-sink');
  const pipelineDir = tempDir('bench-sink-pipeline');
  const pipelinePath = writeSinkPipeline(pipelineDir, suffix, 3);
  const tp = await TestPipeline.create(pipelinePath, registryUrl, kafka, registryCredentials);
  try {
    const runId = suffix.replace(/\W/g, '');
    const baseTime = Date.UTC(2026, 0, 1);
    const produceStarted = performance.now();
    const produced = await tp.produceEvents(kafka, Array.from({ length: events }, (_, i) => makeEvent(i, baseTime, runId, 1000)));
    const valueBytes = produced.reduce((n, e) => n + tp.encodeEvent(e.type, e.value).value.length, 0);
    console.log(`produced ${events} events (${round(valueBytes / events, 0)} bytes each) in ${round((performance.now() - produceStarted) / 1000, 1)} s`);

    const topics = sinkTopics(tp.pipeline);
    const ends = new Map<string, number>();
    await withAdmin(kafka, async (admin) => {
      for (const topic of topics) for (const p of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}:${p.partition}`, Number(p.high));
    });

    const targets: Target[] = ['duckdb', 'duckdb_hold_open', 'postgres', 'lake'];
    const results: Record<Target, RunResult[]> = { duckdb: [], duckdb_hold_open: [], postgres: [], lake: [] };
    for (let r = 0; r < runs; r++) {
      for (const target of targets) {
        const result = await runOnce(target, pipelinePath, kafka, topics, ends);
        results[target].push(result);
        console.log(`run ${r + 1} ${target}: ${result.rows_per_s} rows/s (${result.seconds} s; ${result.consuming_rows_per_s} rows/s after the first record)${result.parquet_mb_per_s !== undefined ? `, ${result.parquet_mb_per_s} MB/s Parquet` : ''}`);
      }
    }

    const summary = {
      events,
      runs,
      record_value_bytes: round(valueBytes / events, 0),
      flush_max_records: flushMaxRecords,
      duckdb_rows_per_s: median(results.duckdb.map((x) => x.rows_per_s)),
      duckdb_hold_open_rows_per_s: median(results.duckdb_hold_open.map((x) => x.rows_per_s)),
      postgres_rows_per_s: median(results.postgres.map((x) => x.rows_per_s)),
      lake_rows_per_s: median(results.lake.map((x) => x.rows_per_s)),
      lake_parquet_mb_per_s: median(results.lake.map((x) => x.parquet_mb_per_s!)),
      duckdb_consuming_rows_per_s: median(results.duckdb.map((x) => x.consuming_rows_per_s)),
      duckdb_hold_open_consuming_rows_per_s: median(results.duckdb_hold_open.map((x) => x.consuming_rows_per_s)),
      postgres_consuming_rows_per_s: median(results.postgres.map((x) => x.consuming_rows_per_s)),
      lake_consuming_rows_per_s: median(results.lake.map((x) => x.consuming_rows_per_s)),
      results,
    };
    mkdirSync(resolve(root, 'docs/benchmarks'), { recursive: true });
    writeFileSync(resolve(root, 'docs/benchmarks/sink.json'), JSON.stringify(summary, null, 2) + '\n');
    const lakeMb = results.lake.map((x) => round(x.parquet_bytes! / 2 ** 20, 1));
    writeFileSync(
      resolve(root, 'docs/benchmarks/sink.md'),
      `## sink

\`npm run bench:sink\`: ${events} events (three types, ${summary.record_value_bytes} bytes of Avro each on average) produced once to
private topics (3 partitions each); the sink runs in-process with one destination at a time and a fresh consumer
group, flushing every ${flushMaxRecords} records or 1 s. A run is timed from \`startSink\` until the group's committed
offsets reach the end of every partition (warehouse: rows and offsets in one transaction, then the Kafka commit;
lake: manifest, Parquet objects, Kafka commit). "After the first record" leaves out the consumer group join.
DuckDB runs twice: with the default \`WAREHOUSE_DUCKDB_HOLD_OPEN=false\` (the file is opened per flush, so \`npm run query\`
gets in between flushes) and with \`true\` (the file stays open and locked). Median of ${runs} runs.

| destination | rows/s (start to committed) | rows/s after the first record | Parquet MB/s |
|---|---|---|---|
| DuckDB (file, opened per flush: default) | ${summary.duckdb_rows_per_s} | ${summary.duckdb_consuming_rows_per_s} | |
| DuckDB (file held open) | ${summary.duckdb_hold_open_rows_per_s} | ${summary.duckdb_hold_open_consuming_rows_per_s} | |
| PostgreSQL (local) | ${summary.postgres_rows_per_s} | ${summary.postgres_consuming_rows_per_s} | |
| lake (local dir, Parquet) | ${summary.lake_rows_per_s} | ${summary.lake_consuming_rows_per_s} | ${summary.lake_parquet_mb_per_s} |

Per run (s): DuckDB ${results.duckdb.map((x) => x.seconds).join(', ')}; DuckDB held open ${results.duckdb_hold_open.map((x) => x.seconds).join(', ')}; PostgreSQL ${results.postgres.map((x) => x.seconds).join(', ')}; lake ${results.lake
        .map((x) => x.seconds)
        .join(', ')} (${lakeMb.join(', ')} MB of Parquet in ${results.lake.map((x) => x.parquet_objects).join(', ')} objects).
The events' times span ${round((events * 1000) / 3_600_000, 1)} hours, so each flush writes one small object per event-time hour
and partition; Parquet (compressed) takes about ${round((results.lake[0].parquet_bytes ?? 0) / events, 0)} bytes per row against ${summary.record_value_bytes} bytes of Avro in Kafka.
`,
    );
    console.log(`sink: DuckDB ${summary.duckdb_rows_per_s} rows/s (held open ${summary.duckdb_hold_open_rows_per_s}), PostgreSQL ${summary.postgres_rows_per_s} rows/s, lake ${summary.lake_rows_per_s} rows/s and ${summary.lake_parquet_mb_per_s} MB/s of Parquet (median of ${runs})`);
  } finally {
    await tp.deleteTopics(kafka);
    rmSync(pipelineDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`bench sink failed: ${(error as Error).stack ?? error}`);
    process.exit(1);
  },
);
