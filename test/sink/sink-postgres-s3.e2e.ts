/**
 * The sink against the real broker, the real registry, a real PostgreSQL database and a real S3-API
 * server: every event and aggregate lands exactly once with all its fields (seed 003 properties 14
 * and 15), the highest aggregate version wins and a late lower one is ignored, aborted transactions
 * never land, poison records go to the DLQ without stalling their partition, and the lake's objects
 * follow the layout and names.
 */
import { Kafka } from 'kafkajs';
import { S3Client, ListObjectsV2Command, GetObjectCommand } from '@aws-sdk/client-s3';
import { writeFileSync, mkdirSync } from 'fs';
import { dirname, join } from 'path';
import { frame } from '@platform/schema';
import { ensureRegistry, TestRegistry } from '../support/registry';
import { eventually, testKafka, uniqueName } from '@test/support';
import { loadSinkConfig } from '../../apps/sink/src/config';
import { SinkHandle, startSink } from '../../apps/sink/src/bootstrap';
import { aggregate, createPgDatabase, lakeObjectParts, makeEvent, queryParquet, readDlq, startS3, tempDir, TestEvent, TestPipeline, utcDayAndHour, writeSinkPipeline } from './support';

describe('sink: PostgreSQL warehouse and S3 lake', () => {
  let kafka: Kafka;
  let registry: TestRegistry;
  let pg: Awaited<ReturnType<typeof createPgDatabase>>;
  let s3: Awaited<ReturnType<typeof startS3>>;
  let sink: SinkHandle | undefined;

  beforeAll(async () => {
    kafka = testKafka('sink-e2e');
    registry = await ensureRegistry();
    pg = await createPgDatabase();
    s3 = await startS3();
  });

  afterAll(async () => {
    await sink?.stop();
    await pg?.drop();
    await s3?.close();
    await registry?.close();
  });

  it('loads every event and aggregate exactly once into PostgreSQL and S3 Parquet, with versions, poison records and layout as specified', async () => {
    const suffix = uniqueName('pg');
    const dir = tempDir('sink-pg');
    const pipelinePath = writeSinkPipeline(dir, suffix);
    const tp = await TestPipeline.create(pipelinePath, registry.url, kafka, registry.credentials);
    const runId = suffix.replace(/\W/g, '');
    const baseTime = Date.UTC(2026, 2, 1, 22, 30);

    // 300 events over ~5 hours, one event produced twice (a retried POST), three poison records.
    const generated = Array.from({ length: 300 }, (_, i) => makeEvent(i, baseTime, runId));
    const events: TestEvent[] = await tp.produceEvents(kafka, [...generated, generated[7]]);
    const iotTopic = tp.topicOf('iot.sensor');
    await tp.produceRaw(kafka, iotTopic, 0, [Buffer.from('not avro at all'), frame(999_999, Buffer.from([2, 4, 6])), null]);
    const afterPoison = await tp.produceEvents(kafka, [makeEvent(300, baseTime, runId)]);
    events.push(...afterPoison);

    // Aggregates, written in transactions as the processor does: versions 1..3 of A, 2 then a late 1 of B, an aborted 99 of A.
    const a = { group_key: 'dev-A', window_start: Date.UTC(2026, 2, 1, 22, 0), window_end: Date.UTC(2026, 2, 1, 22, 1) };
    const b = { group_key: 'dev-B', window_start: Date.UTC(2026, 2, 1, 23, 0), window_end: Date.UTC(2026, 2, 1, 23, 1) };
    await tp.produceAggregates(kafka, [aggregate({ ...a, version: 1, count: 1, sum_value: 10 }), aggregate({ ...b, version: 2, count: 5, sum_value: 50 })]);
    await tp.produceAggregates(kafka, [aggregate({ ...a, version: 2, count: 2, sum_value: 20 })]);
    await tp.produceAggregates(kafka, [aggregate({ ...a, version: 99, count: 99, sum_value: 990 })], 'abort');
    await tp.produceAggregates(kafka, [aggregate({ ...a, version: 3, count: 3, sum_value: 30, is_final: true }), aggregate({ ...b, version: 1, count: 1, sum_value: 1 })]);

    const config = loadSinkConfig({
      PIPELINE_CONFIG: pipelinePath,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
      ...registry.clientEnv,
      DATA_DIR: dir,
      WAREHOUSE: 'postgres',
      WAREHOUSE_URL: pg.url,
      LAKE: 's3',
      LAKE_S3_ENDPOINT: s3.endpoint,
      LAKE_S3_BUCKET: s3.bucket,
      LAKE_S3_PREFIX: 'lake',
      LAKE_S3_REGION: 'us-east-1',
      LAKE_S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      SINK_WAREHOUSE_GROUP: `${suffix}.warehouse`,
      SINK_LAKE_GROUP: `${suffix}.lake`,
      SINK_FLUSH_MAX_RECORDS: '64',
      SINK_FLUSH_INTERVAL: '300ms',
      SINK_KAFKA_SESSION_TIMEOUT: '10s',
      LOG_LEVEL: 'warn',
    });
    sink = await startSink({ config });

    const uniqueEvents = events.filter((e, i) => events.findIndex((x) => x.value.event_id === e.value.event_id) === i);
    expect(uniqueEvents).toHaveLength(301);
    await eventually(async () => {
      const { rows } = await pg.client.query('SELECT count(*)::int AS n FROM raw.events');
      return rows[0].n === uniqueEvents.length;
    }, 'every event in raw.events', 60_000, 200);

    // Property 14/15: each event is one row with every field.
    const { rows } = await pg.client.query(
      `SELECT event_id, (extract(epoch from "timestamp") * 1000)::bigint AS ts, event_type, user_id, device_id, trace_id, payload, metadata,
              topic, "partition", "offset", schema_id, (extract(epoch from ingestion_time) * 1000)::bigint AS ingested, loaded_at FROM raw.events`,
    );
    const byId = new Map(rows.map((r) => [r.event_id, r]));
    for (const event of uniqueEvents) {
      const row = byId.get(event.value.event_id as string);
      expect(row).toBeDefined();
      const v = event.value;
      expect(Number(row.ts)).toBe(v.timestamp);
      expect(row.event_type).toBe(v.event_type);
      expect(row.user_id).toBe(v.user_id ?? null);
      expect(row.device_id).toBe(v.device_id ?? null);
      expect(row.trace_id).toBe(v.trace_id ?? null);
      expect(row.payload).toEqual(JSON.parse(JSON.stringify(v.payload)));
      expect(row.metadata).toEqual(v.metadata ?? null);
      expect(row.topic).toBe(tp.topicOf(event.type));
      // The first copy of a duplicated event is the one kept.
      expect(row.partition).toBe(event.ack!.partition);
      expect(String(row.offset)).toBe(event.ack!.offset);
      expect(row.schema_id).toBe(tp.catalog.forEventType(event.type).id);
      expect(Number(row.ingested)).toBe(event.kafkaTimestamp);
      expect(row.loaded_at).toBeInstanceOf(Date);
    }

    // Aggregates: highest committed version per key; the late lower version and the aborted one never win.
    await eventually(async () => {
      const r = await pg.client.query('SELECT count(*)::int AS n FROM analytics.aggregated_events');
      return r.rows[0].n === 2;
    }, 'both aggregates', 30_000, 200);
    await eventually(async () => {
      const r = await pg.client.query(`SELECT group_key, version FROM analytics.aggregated_events WHERE group_key = 'dev-A'`);
      return r.rows[0]?.version === 3;
    }, 'version 3 of A', 30_000, 200);
    const agg = await pg.client.query(
      `SELECT group_key, version, count, sum_value, is_final, window_name, event_type, (extract(epoch from window_start) * 1000)::bigint AS ws FROM analytics.aggregated_events ORDER BY group_key`,
    );
    expect(agg.rows.map((r) => ({ ...r, count: Number(r.count), ws: Number(r.ws) }))).toEqual([
      { group_key: 'dev-A', version: 3, count: 3, sum_value: 30, is_final: true, window_name: 'tumbling_1m', event_type: 'iot.sensor', ws: a.window_start },
      { group_key: 'dev-B', version: 2, count: 5, sum_value: 50, is_final: false, window_name: 'tumbling_1m', event_type: 'iot.sensor', ws: b.window_start },
    ]);

    // Poison records: dead-lettered once (by the warehouse destination) with the reason; the partition kept going.
    const dlq = await readDlq(kafka, tp.pipeline.topics.dlq.name, 3);
    expect(dlq).toHaveLength(3);
    expect(dlq.every((d) => d.error_type === 'DESERIALIZATION' && d.source_topic === iotTopic && d.source_partition === 0 && d.failed_in === 'sink:warehouse')).toBe(true);
    expect(dlq.map((d) => d.error_message).join('\n')).toMatch(/magic byte/);
    expect(dlq.map((d) => d.error_message).join('\n')).toMatch(/unknown schema id 999999/);
    expect(dlq.map((d) => d.error_message).join('\n')).toMatch(/no value/);
    expect(Buffer.from(dlq.find((d) => /magic/.test(d.error_message))!.original_message, 'base64').toString()).toBe('not avro at all');

    // The lake: every event once, in objects named by topic, partition and offset range, under the event time's dt/hr.
    const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    const download = tempDir('sink-pg-lake');
    const listKeys = async () => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'lake/', ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((c) => c.Key!));
        token = page.NextContinuationToken;
      } while (token);
      return keys;
    };
    const countLakeRows = async (keys: string[]) => {
      for (const key of keys.filter((k) => k.endsWith('.parquet'))) {
        const target = join(download, key);
        mkdirSync(dirname(target), { recursive: true });
        const body = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
        writeFileSync(target, Buffer.from(await body.Body!.transformToByteArray()));
      }
      return keys;
    };
    await eventually(async () => {
      const keys = await countLakeRows(await listKeys());
      const rawTopics = tp.pipeline.eventTypes.map((t) => t.topic);
      const globs = rawTopics.map((t) => join(download, 'lake', t, '**/*.parquet'));
      if (!keys.some((k) => k.endsWith('.parquet'))) return false;
      const [{ n }] = await queryParquet<{ n: bigint }>((src) => `SELECT count(*) AS n FROM ${src}`, globs);
      return Number(n) === events.length;
    }, 'every raw record in the lake', 60_000, 500);
    const keys = await listKeys();
    const dataKeys = keys.filter((k) => k.endsWith('.parquet'));
    for (const key of dataKeys) {
      const parts = lakeObjectParts(key);
      expect(parts).not.toBeNull();
      expect(key.startsWith(`lake/${parts!.topicDir}/dt=`)).toBe(true);
      expect(parts!.topic).toBe(parts!.topicDir);
      expect(parts!.firstOffset).toBeLessThanOrEqual(parts!.lastOffset);
    }
    expect(keys.filter((k) => !k.endsWith('.parquet')).every((k) => k.startsWith(`lake/_manifests/${suffix}.lake/`) && k.endsWith('.json'))).toBe(true);

    const rawGlobs = tp.pipeline.eventTypes.map((t) => join(download, 'lake', t.topic, '**/*.parquet'));
    const lakeRows = await queryParquet<Record<string, unknown>>(
      (src) => `SELECT event_id, epoch_ms("timestamp") AS ts, topic, "partition", "offset", dt, hr, payload, filename FROM ${src}`,
      rawGlobs,
    );
    // Both copies of the retried event are records in Kafka, so the lake (an exact copy of the topics) has both.
    expect(lakeRows).toHaveLength(events.length);
    expect(new Set(lakeRows.map((r) => `${r.topic}/${r.partition}/${r.offset}`)).size).toBe(events.length);
    for (const row of lakeRows) {
      const bucket = utcDayAndHour(Number(row.ts));
      expect(String(row.dt)).toBe(bucket.dt);
      expect(String(row.hr).padStart(2, '0')).toBe(bucket.hr);
      const file = lakeObjectParts(String(row.filename).slice(join(download).length + 1))!;
      expect(file.partition).toBe(Number(row.partition));
      expect(Number(row.offset)).toBeGreaterThanOrEqual(file.firstOffset);
      expect(Number(row.offset)).toBeLessThanOrEqual(file.lastOffset);
    }
    const sample = events[4];
    const sampleRow = lakeRows.find((r) => r.event_id === sample.value.event_id && Number(r.offset) === Number(sample.ack!.offset))!;
    expect(JSON.parse(String(sampleRow.payload))).toEqual(JSON.parse(JSON.stringify(sample.value.payload)));

    // Stored offsets are the end of each partition (so a restart reads nothing twice).
    await sink.flush();
    const offsets = await pg.client.query(`SELECT topic, "partition", next_offset FROM sink_state.offsets WHERE consumer_group = $1`, [`${suffix}.warehouse`]);
    const ends = new Map<string, number>();
    for (const topic of [...tp.pipeline.eventTypes.map((t) => t.topic), tp.pipeline.topics.aggregated.name]) {
      const admin = kafka.admin();
      await admin.connect();
      for (const p of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}/${p.partition}`, Number(p.high));
      await admin.disconnect();
    }
    for (const row of offsets.rows) {
      const end = ends.get(`${row.topic}/${row.partition}`)!;
      // A transactional topic ends with a commit marker that is never delivered.
      expect(Number(row.next_offset)).toBeGreaterThanOrEqual(end - 1);
      expect(Number(row.next_offset)).toBeLessThanOrEqual(end);
    }
  });
});
