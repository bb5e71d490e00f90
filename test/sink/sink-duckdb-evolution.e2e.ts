/**
 * The default sink (DuckDB file, local lake directory) against the real broker and registry:
 * a newer schema version with a new optional field becomes a new nullable column in the warehouse
 * and in the lake's Parquet, older rows keep NULL there; the query command reads the warehouse and
 * the lake while the sink is running.
 */
import { execFile } from 'child_process';
import { existsSync, readdirSync } from 'fs';
import { join, resolve } from 'path';
import { promisify } from 'util';
import { Kafka } from 'kafkajs';
import { createIdempotentProducer } from '@platform/kafka';
import { frame, parseAvroSchema, validateAgainst } from '@platform/schema';
import { eventually, testKafka, uniqueName } from '@test/support';
import { readFileSync } from 'fs';
import { ensureRegistry, TestRegistry } from '../support/registry';
import { loadSinkConfig } from '../../apps/sink/src/config';
import { SinkHandle, startSink } from '../../apps/sink/src/bootstrap';
import { aggregate, makeEvent, queryDuckDbFile, queryParquet, tempDir, TestPipeline, writeSinkPipeline } from './support';

const ROOT = resolve(__dirname, '../..');
const run = promisify(execFile);

/** The schema in `path` with one more optional top-level field. */
function withField(path: string, field: { name: string; type: unknown }): Record<string, any> {
  const schema = JSON.parse(readFileSync(join(ROOT, path), 'utf8'));
  schema.fields.push({ ...field, default: null });
  return schema;
}

describe('sink: DuckDB warehouse, local lake, schema evolution and the query command', () => {
  let kafka: Kafka;
  let registry: TestRegistry;
  let sink: SinkHandle | undefined;
  let tp: TestPipeline | undefined;

  beforeAll(async () => {
    kafka = testKafka('sink-duckdb-e2e');
    registry = await ensureRegistry();
  });

  afterAll(async () => {
    await sink?.stop();
    await tp?.deleteTopics(kafka);
    await registry?.close();
  });

  it('adds a nullable column for a new optional field, in DuckDB and in Parquet, and answers queries while running', async () => {
    const suffix = uniqueName('duck');
    const dir = tempDir('sink-duck');
    const pipelinePath = writeSinkPipeline(dir, suffix);
    tp = await TestPipeline.create(pipelinePath, registry.url, kafka, registry.credentials);
    const runId = suffix.replace(/\W/g, '');
    const baseTime = Date.UTC(2026, 4, 10, 8, 0);

    const config = loadSinkConfig({
      PIPELINE_CONFIG: pipelinePath,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
      ...registry.clientEnv,
      DATA_DIR: dir,
      SINK_WAREHOUSE_GROUP: `${suffix}.warehouse`,
      SINK_LAKE_GROUP: `${suffix}.lake`,
      SINK_FLUSH_MAX_RECORDS: '50',
      SINK_FLUSH_INTERVAL: '250ms',
      SINK_KAFKA_SESSION_TIMEOUT: '10s',
      LOG_LEVEL: 'warn',
    });
    expect(config.warehouse).toBe('duckdb');
    expect(config.lake).toBe('local');
    sink = await startSink({ config });
    const duckdb = join(dir, 'warehouse.duckdb');
    const lake = join(dir, 'lake');

    // Version 1 of each schema first.
    const before = await tp.produceEvents(kafka, Array.from({ length: 30 }, (_, i) => makeEvent(i, baseTime, runId)));
    // retracted (a later optional field of aggregated.avsc, default false) arrives as a nullable boolean column.
    await tp.produceAggregates(kafka, [aggregate({ group_key: 'g-old', version: 1 }), aggregate({ group_key: 'g-retracted', version: 2, retracted: true })]);
    await eventually(async () => {
      const [{ n }] = await queryDuckDbFile<{ n: bigint }>(duckdb, 'SELECT count(*) AS n FROM raw.events');
      return Number(n) === before.length;
    }, 'the first events in DuckDB', 60_000, 200);

    // A newer version of the iot.sensor and aggregated schemas, each with a new optional field.
    const iotSubject = tp.pipeline.eventTypes.find((t) => t.name === 'iot.sensor')!.subject;
    const iotV2 = withField('schemas/iot.sensor.avsc', { name: 'region', type: ['null', 'string'] });
    const iotV2Id = await tp.registry.register(iotSubject, JSON.stringify(iotV2));
    const aggV2 = withField('schemas/aggregated.avsc', { name: 'p95_value', type: ['null', 'double'] });
    const aggV2Id = await tp.registry.register(`${tp.pipeline.topics.aggregated.name}-value`, JSON.stringify(aggV2));
    expect(iotV2Id).not.toBe(tp.catalog.forEventType('iot.sensor').id);

    const iotType = parseAvroSchema(iotV2);
    const newEvents = [0, 1, 2].map((i) => {
      const json: Record<string, unknown> = { ...makeEvent(900 + i * 3, baseTime, runId).json, region: i === 2 ? null : `eu-${i}` };
      const result = validateAgainst(iotType, json);
      if (!result.ok) throw new Error(JSON.stringify(result.problems));
      return { json, bytes: frame(iotV2Id, iotType.toBuffer(result.value)) };
    });
    const iotTopic = tp.topicOf('iot.sensor');
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    await producer.send({ topic: iotTopic, acks: -1, messages: newEvents.map((e) => ({ key: String(e.json.device_id), value: e.bytes, partition: 1 })) });
    const aggType = parseAvroSchema(aggV2);
    await producer.send({
      topic: tp.pipeline.topics.aggregated.name,
      acks: -1,
      messages: [{ key: 'g-new', value: frame(aggV2Id, aggType.toBuffer({ ...aggregate({ group_key: 'g-new', version: 4 }), p95_value: 42.5 })), partition: 0 }],
    });
    await producer.disconnect();

    await eventually(async () => {
      const [{ n }] = await queryDuckDbFile<{ n: bigint }>(duckdb, 'SELECT count(*) AS n FROM raw.events');
      const [{ a }] = await queryDuckDbFile<{ a: bigint }>(duckdb, 'SELECT count(*) AS a FROM analytics.aggregated_events');
      return Number(n) === before.length + newEvents.length && Number(a) === 3;
    }, 'the new-version records in DuckDB', 60_000, 200);

    const columns = await queryDuckDbFile<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
      duckdb,
      `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns WHERE column_name IN ('region', 'p95_value', 'retracted') ORDER BY table_name, column_name`,
    );
    expect(columns).toEqual([
      // The timeline view names retracted; the version history has it fixed and gains p95_value like the current table.
      { table_name: 'aggregate_timeline', column_name: 'retracted', data_type: 'BOOLEAN', is_nullable: 'YES' },
      { table_name: 'aggregated_event_versions', column_name: 'p95_value', data_type: 'DOUBLE', is_nullable: 'YES' },
      { table_name: 'aggregated_event_versions', column_name: 'retracted', data_type: 'BOOLEAN', is_nullable: 'YES' },
      { table_name: 'aggregated_events', column_name: 'p95_value', data_type: 'DOUBLE', is_nullable: 'YES' },
      { table_name: 'aggregated_events', column_name: 'retracted', data_type: 'BOOLEAN', is_nullable: 'YES' },
      { table_name: 'events', column_name: 'region', data_type: 'VARCHAR', is_nullable: 'YES' },
    ]);
    const regions = await queryDuckDbFile<{ event_id: string; region: string | null; schema_id: number }>(duckdb, 'SELECT event_id, region, schema_id FROM raw.events ORDER BY event_id');
    const byId = new Map(regions.map((r) => [r.event_id, r]));
    for (const e of newEvents) expect(byId.get(String(e.json.event_id))).toEqual({ event_id: e.json.event_id, region: e.json.region, schema_id: iotV2Id });
    for (const e of before) expect(byId.get(String(e.value.event_id))?.region).toBeNull();
    const p95 = await queryDuckDbFile<{ group_key: string; p95_value: number | null }>(duckdb, 'SELECT group_key, p95_value FROM analytics.aggregated_events ORDER BY group_key');
    expect(p95).toEqual([
      { group_key: 'g-new', p95_value: 42.5 },
      { group_key: 'g-old', p95_value: null },
      { group_key: 'g-retracted', p95_value: null },
    ]);
    const retracted = await queryDuckDbFile<{ group_key: string; retracted: boolean | null }>(duckdb, 'SELECT group_key, retracted FROM analytics.aggregated_events ORDER BY group_key');
    expect(retracted).toEqual([
      { group_key: 'g-new', retracted: false },
      { group_key: 'g-old', retracted: false },
      { group_key: 'g-retracted', retracted: true },
    ]);

    // The lake: the new field is a column of the newer rows' Parquet; older files simply lack it.
    await eventually(async () => {
      if (!existsSync(join(lake, iotTopic))) return false;
      const rows = await queryParquet<{ n: bigint }>((src) => `SELECT count(*) AS n FROM ${src} WHERE region IS NOT NULL`, [join(lake, iotTopic, '**/*.parquet')]);
      return Number(rows[0].n) === 2;
    }, 'the new field in the lake', 60_000, 300);
    const lakeIot = await queryParquet<{ event_id: string; region: string | null }>((src) => `SELECT event_id, region FROM ${src}`, [join(lake, iotTopic, '**/*.parquet')]);
    expect(lakeIot).toHaveLength(before.filter((e) => e.type === 'iot.sensor').length + newEvents.length);
    expect(readdirSync(lake).sort()).toEqual(expect.arrayContaining(['_manifests', iotTopic, tp.pipeline.topics.aggregated.name]));

    // The query command, while the sink keeps running.
    const env = { ...process.env, DATA_DIR: dir, PIPELINE_CONFIG: pipelinePath, LOG_LEVEL: 'warn' };
    const query = (sql: string) => run('node', ['-r', './scripts/register.js', 'scripts/query.ts', '--json', sql], { cwd: ROOT, env, timeout: 60_000 });
    const warehouseAnswer = await query('SELECT count(*) AS n FROM raw.events');
    expect(JSON.parse(warehouseAnswer.stdout.trim())).toEqual({ n: String(before.length + newEvents.length) });
    const lakeAnswer = await query(`SELECT count(*) AS n, count(DISTINCT topic || partition || '/' || "offset") AS distinct_records FROM lake_events`);
    expect(JSON.parse(lakeAnswer.stdout.trim())).toEqual({ n: String(before.length + newEvents.length), distinct_records: String(before.length + newEvents.length) });
    const aggAnswer = await query('SELECT max(version) AS v FROM lake_aggregates');
    expect(JSON.parse(aggAnswer.stdout.trim())).toEqual({ v: 4 });
    await expect(query('SELECT * FROM no_such_table')).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/query failed: .*no_such_table/) });
  });
});
