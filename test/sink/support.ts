/**
 * Helpers for the sink's end-to-end tests: a pipeline with unique topic names, events and aggregates
 * encoded with the real registry and produced to the real broker, a PostgreSQL database per test,
 * an S3-API server (s3rver) on loopback, and Parquet read back with DuckDB.
 */
import { randomUUID } from 'crypto';
import { Kafka } from 'kafkajs';
import { Client } from 'pg';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadPipelineConfig, PipelineConfig, pipelineTopics, RegistryCredentials } from '@platform/runtime';
import { AggregatedRecord, decodeDlqRecord, DlqRecord } from '@platform/contracts';
import {
  BatchingProducer,
  createConsumer,
  createIdempotentProducer,
  createTransactionalProducer,
  ensureTopics,
  partitionForKey,
  RecordAck,
  withAdmin,
} from '@platform/kafka';
import { RegistryClient, SchemaCatalog, validateAgainst } from '@platform/schema';
import { eventually, tempDir, uniqueName, writeTestPipeline } from '@test/support';

export { tempDir };

/** Writes a copy of config/pipeline.yaml whose topics carry `suffix` and have few partitions; returns its path. */
export function writeSinkPipeline(dir: string, suffix: string, partitions = 3): string {
  return writeTestPipeline({ dir, suffix, partitions });
}

export interface TestEvent {
  type: string;
  value: Record<string, unknown>;
  key: string;
  ack?: RecordAck;
  kafkaTimestamp: number;
}

const SYMBOLS = ['AAPL', 'MSFT', 'JPM', 'XOM', 'PFE'];
const ACTIONS = ['view', 'click', 'scroll', 'submit'];

/** A valid event of each type in turn; event times spread over several hours from `baseTime`. */
export function makeEvent(i: number, baseTime: number, runId: string, stepMs = 61_000): { type: string; json: Record<string, unknown> } {
  const types = ['iot.sensor', 'clickstream', 'transaction'];
  const type = types[i % 3];
  const common = {
    event_id: `${runId}-${i}`,
    timestamp: baseTime + i * stepMs,
    event_type: type,
    trace_id: i % 5 === 0 ? null : `trace-${runId}-${i}`,
    metadata: i % 4 === 0 ? null : { source: 'e2e', n: String(i) },
  };
  if (type === 'iot.sensor') {
    return {
      type,
      json: {
        ...common,
        device_id: `dev-${i % 7}`,
        user_id: null,
        payload: { temperature: 15 + (i % 20) * 0.5, humidity: i % 3 === 0 ? null : 40 + (i % 10), unit: 'C' },
      },
    };
  }
  if (type === 'clickstream') {
    return {
      type,
      json: { ...common, user_id: `user-${i % 11}`, payload: { page: `/p/${i % 9}`, action: ACTIONS[i % 4], duration_ms: i * 3 } },
    };
  }
  return {
    type,
    json: {
      ...common,
      user_id: `user-${i % 13}`,
      payload: { symbol: SYMBOLS[i % 5], side: i % 2 ? 'BUY' : 'SELL', quantity: 1 + (i % 50), amount: 10 + i * 0.25 },
    },
  };
}

export class TestPipeline {
  readonly catalog: SchemaCatalog;
  readonly registry: RegistryClient;

  constructor(
    readonly pipeline: PipelineConfig,
    registryUrl: string,
    credentials?: RegistryCredentials,
  ) {
    this.registry = new RegistryClient(registryUrl, { credentials });
    this.catalog = new SchemaCatalog(this.registry, pipeline);
  }

  /** Loads the pipeline, creates its topics and registers its schemas. */
  static async create(path: string, registryUrl: string, kafka: Kafka, credentials?: RegistryCredentials): Promise<TestPipeline> {
    const tp = new TestPipeline(loadPipelineConfig(path), registryUrl, credentials);
    const wanted = new Set([
      ...tp.pipeline.eventTypes.map((t) => t.topic),
      tp.pipeline.topics.aggregated.name,
      tp.pipeline.topics.dlq.name,
    ]);
    await withAdmin(kafka, (admin) =>
      ensureTopics(
        admin,
        pipelineTopics(tp.pipeline).filter((p) => wanted.has(p.topic)),
      ),
    );
    await tp.catalog.registerPipelineSchemas();
    return tp;
  }

  /** Deletes the pipeline's topics. */
  async deleteTopics(kafka: Kafka): Promise<void> {
    const topics = [...this.pipeline.eventTypes.map((t) => t.topic), this.pipeline.topics.aggregated.name, this.pipeline.topics.dlq.name];
    await withAdmin(kafka, (admin) => admin.deleteTopics({ topics })).catch(() => undefined);
  }

  topicOf(type: string): string {
    return this.pipeline.eventTypes.find((t) => t.name === type)!.topic;
  }

  encodeEvent(type: string, json: Record<string, unknown>): { value: Buffer; normalized: Record<string, unknown> } {
    const schema = this.catalog.forEventType(type);
    const result = validateAgainst(schema.type, json);
    if (!result.ok) throw new Error(`test event is invalid: ${JSON.stringify(result.problems)}`);
    return { value: this.catalog.encode(schema, result.value), normalized: result.value };
  }

  /** Produces the events (acks=all) and records each one's partition and offset. */
  async produceEvents(kafka: Kafka, events: Array<{ type: string; json: Record<string, unknown> }>): Promise<TestEvent[]> {
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    const batching = new BatchingProducer(producer, { maxBatchRecords: 2000 });
    try {
      const out: TestEvent[] = [];
      const sends = events.map((e) => {
        const spec = this.pipeline.eventTypes.find((t) => t.name === e.type)!;
        const key = String(e.json[spec.partitionKey]);
        const { value, normalized } = this.encodeEvent(e.type, e.json);
        const kafkaTimestamp = Date.now();
        const event: TestEvent = { type: e.type, value: normalized, key, kafkaTimestamp };
        out.push(event);
        return batching
          .send({
            topic: spec.topic,
            partition: partitionForKey(key, spec.partitions),
            key,
            value,
            timestamp: kafkaTimestamp,
            headers: { event_id: String(e.json.event_id) },
          })
          .then((ack) => (event.ack = ack));
      });
      await Promise.all(sends);
      return out;
    } finally {
      await batching.close();
      await producer.disconnect();
    }
  }

  encodeAggregate(record: AggregatedRecord): Buffer {
    return this.catalog.encode(this.catalog.aggregated, record);
  }

  /** Produces aggregates in one Kafka transaction, committed or aborted, as the processor does. */
  async produceAggregates(kafka: Kafka, records: AggregatedRecord[], outcome: 'commit' | 'abort' = 'commit'): Promise<void> {
    const producer = createTransactionalProducer(kafka, uniqueName('sink-e2e-tx'));
    await producer.connect();
    try {
      const tx = await producer.transaction();
      const partitions = this.pipeline.topics.aggregated.partitions;
      await tx.send({
        topic: this.pipeline.topics.aggregated.name,
        messages: records.map((r) => {
          const key = `${r.event_type}|${r.window_name}|${r.group_key}|${r.window_start}`;
          return { key, value: this.encodeAggregate(r), partition: partitionForKey(key, partitions) };
        }),
      });
      if (outcome === 'commit') await tx.commit();
      else await tx.abort();
    } finally {
      await producer.disconnect();
    }
  }

  /** Raw bytes straight onto a topic (poison records). */
  async produceRaw(kafka: Kafka, topic: string, partition: number, values: Array<Buffer | null>): Promise<void> {
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: values.map((value, i) => ({ key: `poison-${i}`, value, partition })) });
    await producer.disconnect();
  }
}

export function aggregate(overrides: Partial<AggregatedRecord>): AggregatedRecord {
  return {
    window_start: Date.UTC(2026, 0, 1, 10, 0),
    window_end: Date.UTC(2026, 0, 1, 10, 1),
    window_name: 'tumbling_1m',
    window_kind: 'tumbling',
    event_type: 'iot.sensor',
    group_key: 'dev-1',
    count: 1,
    sum_value: 1,
    avg_value: 1,
    min_value: 1,
    max_value: 1,
    distinct_users: 1,
    version: 1,
    is_final: false,
    processed_time: Date.UTC(2026, 0, 1, 10, 2),
    ...overrides,
  };
}

/** Reads `count` DLQ records from the start of the topic. */
export async function readDlq(kafka: Kafka, topic: string, count: number, timeoutMs = 30_000): Promise<DlqRecord[]> {
  const consumer = createConsumer(kafka, uniqueName('sink-e2e-dlq-reader'));
  const records: DlqRecord[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void records.push(decodeDlqRecord(message.value!)) });
  try {
    await eventually(async () => records.length >= count, `${count} DLQ records on ${topic}`, timeoutMs);
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** A fresh PostgreSQL database (trust auth, user postgres), dropped by `drop`. */
export async function createPgDatabase(): Promise<{ url: string; client: Client; drop(): Promise<void> }> {
  const name = `sink_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = `postgres://postgres@127.0.0.1:5432/${name}`;
  const client = new Client({ connectionString: url });
  await client.connect();
  return {
    url,
    client,
    drop: async () => {
      await client.end().catch(() => undefined);
      const again = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}

/** An S3-API server (s3rver) on a free loopback port with one bucket, storing under a temp directory. */
export async function startS3(bucket = 'lake'): Promise<{ endpoint: string; bucket: string; close(): Promise<void> }> {
  const S3rver = require('s3rver');
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory: tempDir('s3rver'),
    configureBuckets: [{ name: bucket }],
  });
  const address = await server.run();
  return { endpoint: `http://127.0.0.1:${address.port}`, bucket, close: () => server.close() };
}

/** Rows of every Parquet file matched by `globs` (hive partitions as columns), via an in-memory DuckDB. */
export async function queryParquet<T = Record<string, unknown>>(sql: (source: string) => string, globs: string[]): Promise<T[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const list = `[${globs.map((g) => `'${g.replace(/'/g, "''")}'`).join(', ')}]`;
    const source = `read_parquet(${list}, hive_partitioning = true, hive_types_autocast = false, union_by_name = true, filename = true)`;
    const reader = await connection.runAndReadAll(sql(source));
    return reader.getRowObjectsJS() as T[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Opens a DuckDB file read-only, retrying while a writer holds its lock, runs `sql`, and closes it. */
export async function queryDuckDbFile<T = Record<string, unknown>>(path: string, sql: string): Promise<T[]> {
  return eventually(
    async () => {
      const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
      try {
        const connection = await instance.connect();
        try {
          return (await connection.runAndReadAll(sql)).getRowObjectsJS() as T[];
        } finally {
          connection.closeSync();
        }
      } finally {
        instance.closeSync();
      }
    },
    `a read of ${path}`,
    20_000,
    50,
  );
}

/**
 * The documented lake layout (README, docs/ARCHITECTURE.md), read by the test itself rather than by
 * the sink's own parser: `<topic>/dt=YYYY-MM-DD/hr=HH/<topic>-p<partition>-<first>-<last>.parquet`.
 */
export function lakeObjectParts(
  key: string,
): { topicDir: string; dt: string; hr: string; topic: string; partition: number; firstOffset: number; lastOffset: number } | null {
  const m = /(?:^|\/)([^/]+)\/dt=(\d{4}-\d{2}-\d{2})\/hr=(\d{2})\/(.+)-p(\d+)-(\d+)-(\d+)\.parquet$/.exec(key);
  return m
    ? { topicDir: m[1], dt: m[2], hr: m[3], topic: m[4], partition: Number(m[5]), firstOffset: Number(m[6]), lastOffset: Number(m[7]) }
    : null;
}

/** The UTC day and hour of an epoch-ms time by arithmetic, to check the lake's partitioning against. */
export function utcDayAndHour(ms: number): { dt: string; hr: string } {
  const day = Math.floor(ms / 86_400_000);
  const hour = Math.floor(ms / 3_600_000) - day * 24;
  return { dt: new Date(day * 86_400_000).toISOString().slice(0, 10), hr: String(hour).padStart(2, '0') };
}
