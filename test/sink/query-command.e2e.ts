/**
 * `npm run query` on a temporary data directory: a DuckDB warehouse written by the sink's adapter and
 * a lake written by its lake writer. The command prints a table, answers from the warehouse (opened
 * READ_ONLY) and from the Parquet views, reads the lake with a raw read_parquet glob, works with
 * --lake while another process holds the warehouse file open, and fails clearly on bad SQL.
 */
import { execFile } from 'child_process';
import { join, resolve } from 'path';
import { promisify } from 'util';
import { DuckDBInstance } from '@duckdb/node-api';
import { LakeWriter, LocalLakeStore, ParquetEncoder } from '@platform/lake';
import { DuckDbAdapter, LoadRecord, mapAggregate, mapRawEvent, WarehouseLoader } from '@platform/warehouse';
import { tempDir } from '@test/support';

const ROOT = resolve(__dirname, '../..');
const run = promisify(execFile);

const HOUR = Date.UTC(2026, 2, 3, 14, 0);

function raw(i: number): LoadRecord {
  return {
    kind: 'raw',
    value: { event_id: `q-${i}`, timestamp: HOUR + i * 60_000, event_type: 'clickstream', user_id: `u-${i % 2}`, device_id: null, trace_id: null, payload: { page: `/p/${i}` }, metadata: null },
    origin: { topic: 'events.clickstream', partition: 0, offset: i, timestamp: HOUR + i * 60_000 + 5, schemaId: 1 },
    extras: [],
    ref: i,
  };
}

function aggregate(version: number, retracted: boolean): LoadRecord {
  return {
    kind: 'aggregate',
    value: {
      window_start: HOUR,
      window_end: HOUR + 60_000,
      window_name: 'tumbling_1m',
      window_kind: 'tumbling',
      event_type: 'clickstream',
      group_key: 'u-1',
      count: version * 2,
      sum_value: null,
      avg_value: null,
      min_value: null,
      max_value: null,
      distinct_users: 1,
      version,
      is_final: true,
      processed_time: HOUR + 120_000,
      retracted,
    },
    origin: { topic: 'events.aggregated', partition: 0, offset: version, timestamp: HOUR + 120_000, schemaId: 2 },
    extras: [{ field: 'retracted', name: 'retracted', type: 'boolean', nullable: true }],
    ref: version,
  };
}

describe('the query command (npm run query)', () => {
  const dir = tempDir('sink-query');
  const env = { ...process.env, DATA_DIR: dir, LOG_LEVEL: 'warn' };
  const query = (...args: string[]) => run('node', ['-r', './scripts/register.js', 'scripts/query.ts', ...args], { cwd: ROOT, env, timeout: 60_000 });

  beforeAll(async () => {
    const loader = new WarehouseLoader(new DuckDbAdapter({ path: join(dir, 'warehouse.duckdb') }));
    await loader.start();
    const records = [raw(0), raw(1), raw(2), aggregate(1, false), aggregate(2, true)];
    await loader.write(await loader.prepare(records), [{ consumerGroup: 'sink-warehouse', topic: 'events.clickstream', partition: 0, nextOffset: 3 }]);
    await loader.close();
    const writer = new LakeWriter(new LocalLakeStore(join(dir, 'lake')), new ParquetEncoder(), { prefix: '', consumerGroup: 'sink-lake' });
    const rows = [0, 1, 2].map((i) => mapRawEvent(raw(i).value, raw(i).origin));
    await writer.writeBatch({ topic: 'events.clickstream', partition: 0, firstOffset: 0, lastOffset: 2, rows });
    const agg = aggregate(2, true);
    await writer.writeBatch({ topic: 'events.aggregated', partition: 0, firstOffset: 2, lastOffset: 2, rows: [mapAggregate(agg.value, agg.origin, agg.extras)] });
  });

  it('prints a table of warehouse rows, with the highest aggregate version and its retracted column', async () => {
    const { stdout } = await query('SELECT event_type, count(*) AS n FROM raw.events GROUP BY 1');
    expect(stdout).toBe('event_type  | n\n------------+--\nclickstream | 3\n(1 row)\n');
    const agg = await query('--json', 'SELECT version, "count", retracted FROM analytics.aggregated_events');
    expect(JSON.parse(agg.stdout)).toEqual({ version: 2, count: '4', retracted: true });
    const offsets = await query('--json', 'SELECT next_offset FROM sink_state.offsets');
    expect(JSON.parse(offsets.stdout)).toEqual({ next_offset: '3' });
  });

  it('reads the lake through lake_events / lake_aggregates and through a read_parquet glob with Hive partitions', async () => {
    const views = await query('--json', 'SELECT count(*) AS n, min(dt) AS dt, min(hr) AS hr FROM lake_events');
    expect(JSON.parse(views.stdout)).toEqual({ n: '3', dt: '2026-03-03', hr: '14' });
    const glob = join(dir, 'lake', 'events.clickstream', '**', '*.parquet');
    const direct = await query('--json', `SELECT count(*) AS n FROM read_parquet('${glob}', hive_partitioning = true)`);
    expect(JSON.parse(direct.stdout)).toEqual({ n: '3' });
    const aggs = await query('--lake', '--json', 'SELECT version, retracted FROM lake_aggregates');
    expect(JSON.parse(aggs.stdout)).toEqual({ version: 2, retracted: true });
  });

  it('--lake answers while another process holds the warehouse file open for writing', async () => {
    const holder = await DuckDBInstance.create(join(dir, 'warehouse.duckdb'));
    try {
      const { stdout } = await query('--lake', '--json', 'SELECT count(*) AS n FROM lake_events');
      expect(JSON.parse(stdout)).toEqual({ n: '3' });
    } finally {
      holder.closeSync();
    }
  });

  it('bad SQL exits 1 with the database\'s message and no stack trace; no SQL prints the usage and exits 2', async () => {
    await expect(query('SELECT * FROM no_such_table')).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/^query failed: .*no_such_table/) });
    await expect(query('--json')).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/^usage: query\.ts/) });
  });
});
