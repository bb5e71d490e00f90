/**
 * Graceful shutdown against the real broker and registry: records still in the buffer (no flush
 * threshold reached) are written and committed by stop(), in the warehouse (rows and stored offsets)
 * and in the lake (Parquet and Kafka offsets). While running, both destinations are healthy, each in
 * its own consumer group, and every sink metric of the shared contract is exported.
 */
import { join } from 'path';
import { Kafka } from 'kafkajs';
import { withAdmin } from '@platform/kafka';
import { registry } from '@platform/runtime';
import { eventually, testKafka, uniqueName } from '@test/support';
import { ensureRegistry, TestRegistry } from '../support/registry';
import { loadSinkConfig } from '../../apps/sink/src/config';
import { SinkHandle, sinkTopics, startSink } from '../../apps/sink/src/bootstrap';
import { sinkMetrics } from '../../apps/sink/src/metrics';
import { makeEvent, queryDuckDbFile, queryParquet, tempDir, TestPipeline, writeSinkPipeline } from './support';

const SINK_METRICS = [
  'sink_records_consumed_total',
  'sink_rows_written_total',
  'sink_flush_duration_seconds',
  'sink_flush_records',
  'sink_flush_bytes',
  'sink_flushes_total',
  'sink_write_retries_total',
  'sink_dlq_records_total',
  'sink_consumer_lag',
  'sink_oldest_unflushed_age_seconds',
  'sink_buffered_records',
  'sink_offset_commit_failures_total',
  'sink_lake_bytes_written_total',
  'sink_lake_objects_written_total',
  'sink_schema_columns_added_total',
];

async function gaugeValue(destination: string): Promise<number> {
  return (await sinkMetrics.buffered.get()).values.find((v) => v.labels.destination === destination)?.value ?? 0;
}

describe('sink: graceful shutdown, health and metrics', () => {
  let kafka: Kafka;
  let testRegistry: TestRegistry;
  let sink: SinkHandle | undefined;
  let tp: TestPipeline | undefined;

  beforeAll(async () => {
    kafka = testKafka('sink-shutdown-e2e');
    testRegistry = await ensureRegistry();
  });

  afterAll(async () => {
    await sink?.stop();
    await tp?.deleteTopics(kafka);
    await testRegistry?.close();
  });

  it('stop() writes and commits what is still buffered, in the warehouse and the lake', async () => {
    const suffix = uniqueName('shutdown');
    const dir = tempDir('sink-shutdown');
    const pipelinePath = writeSinkPipeline(dir, suffix);
    tp = await TestPipeline.create(pipelinePath, testRegistry.url, kafka, testRegistry.credentials);
    const config = loadSinkConfig({
      PIPELINE_CONFIG: pipelinePath,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
      ...testRegistry.clientEnv,
      DATA_DIR: dir,
      SINK_WAREHOUSE_GROUP: `${suffix}.warehouse`,
      SINK_LAKE_GROUP: `${suffix}.lake`,
      // No threshold is reached during the test: only stop() flushes.
      SINK_FLUSH_MAX_RECORDS: '100000',
      SINK_FLUSH_INTERVAL: '1h',
      SINK_KAFKA_SESSION_TIMEOUT: '10s',
      LOG_LEVEL: 'warn',
    });
    sink = await startSink({ config });
    const runId = suffix.replace(/\W/g, '');
    const produced = await tp.produceEvents(
      kafka,
      Array.from({ length: 120 }, (_, i) => makeEvent(i, Date.UTC(2026, 5, 1, 9), runId)),
    );

    await eventually(
      async () => (await gaugeValue('warehouse')) === produced.length && (await gaugeValue('lake')) === produced.length,
      'every record buffered in both destinations',
      60_000,
      100,
    );
    expect(sink.healthy()).toBe(true);
    const text = await registry.metrics();
    for (const name of SINK_METRICS) expect(text).toContain(`# TYPE ${name} `);
    const duckdb = join(dir, 'warehouse.duckdb');
    const [{ n: before }] = await queryDuckDbFile<{ n: bigint }>(duckdb, 'SELECT count(*) AS n FROM raw.events');
    expect(Number(before)).toBe(0);

    await sink.stop();
    sink = undefined;

    const [{ n, distinct_ids }] = await queryDuckDbFile<{ n: bigint; distinct_ids: bigint }>(
      duckdb,
      'SELECT count(*) AS n, count(DISTINCT event_id) AS distinct_ids FROM raw.events',
    );
    expect([Number(n), Number(distinct_ids)]).toEqual([produced.length, produced.length]);
    const stored = await queryDuckDbFile<{ topic: string; partition: number; next_offset: bigint }>(
      duckdb,
      `SELECT topic, "partition", next_offset FROM sink_state.offsets WHERE consumer_group = '${config.warehouseGroup}'`,
    );
    const ends = new Map<string, number>();
    for (const e of produced)
      ends.set(
        `${e.ack!.topic}:${e.ack!.partition}`,
        Math.max(ends.get(`${e.ack!.topic}:${e.ack!.partition}`) ?? 0, Number(e.ack!.offset) + 1),
      );
    expect(new Map(stored.map((s) => [`${s.topic}:${s.partition}`, Number(s.next_offset)]))).toEqual(ends);

    const lakeRows = await queryParquet<{ n: bigint }>(
      (src) => `SELECT count(*) AS n FROM ${src}`,
      [join(dir, 'lake', '*', 'dt=*', 'hr=*', '*.parquet')],
    );
    expect(Number(lakeRows[0].n)).toBe(produced.length);
    const committed = await withAdmin(kafka, (admin) =>
      admin.fetchOffsets({ groupId: config.lakeGroup, topics: sinkTopics(tp!.pipeline) }),
    );
    for (const { topic, partitions } of committed) {
      for (const p of partitions) {
        const end = ends.get(`${topic}:${p.partition}`);
        if (end !== undefined)
          expect({ topic, partition: p.partition, offset: Number(p.offset) }).toEqual({ topic, partition: p.partition, offset: end });
      }
    }
  });
});
