/**
 * Ask what landed: runs SQL against the local DuckDB warehouse and the local lake's Parquet files.
 *
 *   npm run query -- "SELECT event_type, count(*) FROM raw.events GROUP BY 1"
 *   npm run query -- --lake "SELECT topic, count(*) FROM lake_events GROUP BY 1"
 *   npm run query -- --json "SELECT * FROM analytics.aggregated_events LIMIT 5"
 *   npm run query -- "SELECT count(*) FROM read_parquet('.data/lake/**' || '/*.parquet', hive_partitioning = true)"
 *
 * Tables: raw.events, analytics.aggregated_events, sink_state.offsets (the warehouse file, attached
 * READ_ONLY) and the views lake_events / lake_aggregates over <lake>/<topic>/dt=…/hr=…/*.parquet
 * (Hive partitions dt and hr become columns). `--lake` leaves the warehouse file alone and answers
 * from the Parquet views only.
 *
 * DuckDB lets one process write a file at a time. By default (WAREHOUSE_DUCKDB_HOLD_OPEN=false) the
 * sink opens the warehouse file only while it flushes, so this command retries for a few seconds
 * while a flush holds the lock; while the query runs, the sink's next flush waits (it retries a held
 * lock, it never drops data). With WAREHOUSE_DUCKDB_HOLD_OPEN=true the sink keeps the file locked:
 * query the lake with --lake, or stop the sink first.
 *
 * Options: --json (one JSON object per row), --lake (Parquet only), --db <path> (another DuckDB file).
 * Environment: DATA_DIR (.data), WAREHOUSE_DUCKDB_PATH (${DATA_DIR}/warehouse.duckdb),
 * LAKE_DIR (${DATA_DIR}/lake), PIPELINE_CONFIG (config/pipeline.yaml) for the aggregated topic's name.
 */
import { existsSync, readdirSync } from 'fs';
import { join, resolve } from 'path';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { ConfigError, env, loadEnv, loadPipelineConfig } from '@platform/runtime';
import { quoteIdent, quoteLiteral } from '@platform/warehouse';

const LOCK_RETRY_MS = 15_000;

function settings() {
  const base = loadEnv({
    dataDir: env.string('DATA_DIR', { default: '.data' }),
    duckdbPath: env.optionalString('WAREHOUSE_DUCKDB_PATH'),
    lakeDir: env.optionalString('LAKE_DIR'),
    pipelinePath: env.string('PIPELINE_CONFIG', { default: 'config/pipeline.yaml' }),
  });
  let aggregatedTopic = 'events.aggregated';
  try {
    aggregatedTopic = loadPipelineConfig(base.pipelinePath).topics.aggregated.name;
  } catch {
    // Without a pipeline file the default topic name is assumed.
  }
  return {
    duckdbPath: resolve(base.duckdbPath ?? join(base.dataDir, 'warehouse.duckdb')),
    lakeDir: resolve(base.lakeDir ?? join(base.dataDir, 'lake')),
    aggregatedTopic,
  };
}

function isLockError(error: unknown): boolean {
  return /Could not set lock|Conflicting lock/i.test(String((error as Error)?.message ?? error));
}

async function attachWarehouse(connection: DuckDBConnection, path: string): Promise<boolean> {
  if (!existsSync(path)) return false;
  const deadline = Date.now() + LOCK_RETRY_MS;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    try {
      await connection.run(`ATTACH ${quoteLiteral(path)} AS warehouse (READ_ONLY)`);
      await connection.run('USE warehouse');
      return true;
    } catch (error) {
      if (isLockError(error) && Date.now() > deadline) {
        throw new Error(
          `${path} is locked by another process (a sink with WAREHOUSE_DUCKDB_HOLD_OPEN=true?); use --lake to query the Parquet lake, or stop the sink`,
        );
      }
      if (!isLockError(error)) throw error;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

function parquetGlobs(lakeDir: string, topics: string[]): string[] {
  return topics.map((t) => join(lakeDir, t, '**', '*.parquet').replace(/\\/g, '/'));
}

function hasParquet(dir: string): boolean {
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop()!;
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (entry.isDirectory()) stack.push(join(current, entry.name));
      else if (entry.name.endsWith('.parquet')) return true;
    }
  }
  return false;
}

async function createLakeViews(connection: DuckDBConnection, lakeDir: string, aggregatedTopic: string): Promise<string[]> {
  if (!existsSync(lakeDir)) return [];
  const topics = readdirSync(lakeDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('_') && hasParquet(join(lakeDir, e.name)))
    .map((e) => e.name);
  const views: string[] = [];
  const define = async (name: string, dirs: string[]) => {
    if (dirs.length === 0) return;
    const list = `[${parquetGlobs(lakeDir, dirs).map(quoteLiteral).join(', ')}]`;
    await connection.run(
      `CREATE TEMP VIEW ${quoteIdent(name)} AS SELECT * FROM read_parquet(${list}, hive_partitioning = true, union_by_name = true)`,
    );
    views.push(name);
  };
  await define(
    'lake_events',
    topics.filter((t) => t !== aggregatedTopic),
  );
  await define(
    'lake_aggregates',
    topics.filter((t) => t === aggregatedTopic),
  );
  return views;
}

function printTable(columns: string[], rows: string[][]): void {
  const clip = (s: string) => (s.length > 80 ? `${s.slice(0, 77)}...` : s);
  const cells = rows.map((r) => r.map(clip));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]))
      .join(' | ')
      .trimEnd();
  process.stdout.write(`${line(columns)}\n${widths.map((w) => '-'.repeat(w)).join('-+-')}\n`);
  for (const r of cells) process.stdout.write(`${line(r)}\n`);
  process.stdout.write(`(${rows.length} row${rows.length === 1 ? '' : 's'})\n`);
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const lakeOnly = args.includes('--lake');
  const dbAt = args.indexOf('--db');
  const dbPath = dbAt >= 0 ? args[dbAt + 1] : undefined;
  const sql = args
    .filter((a, i) => a !== '--json' && a !== '--lake' && i !== dbAt && (dbAt < 0 || i !== dbAt + 1))
    .join(' ')
    .trim();
  if (!sql || (dbAt >= 0 && !dbPath)) {
    process.stderr.write(
      'usage: query.ts [--json] [--lake] [--db <file.duckdb>] "SELECT ..."\n  tables: raw.events, analytics.aggregated_events, sink_state.offsets; views: lake_events, lake_aggregates\n',
    );
    return 2;
  }
  const config = settings();
  if (dbPath) config.duckdbPath = resolve(dbPath);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const attached = lakeOnly ? false : await attachWarehouse(connection, config.duckdbPath);
    const views = await createLakeViews(connection, config.lakeDir, config.aggregatedTopic);
    if (lakeOnly && views.length === 0) process.stderr.write(`note: no Parquet under ${config.lakeDir}\n`);
    else if (!attached && views.length === 0)
      process.stderr.write(`note: no warehouse at ${config.duckdbPath} and no Parquet under ${config.lakeDir}\n`);
    const reader = await connection.runAndReadAll(sql);
    const columns = reader.columnNames();
    if (json) {
      for (const row of reader.getRowObjectsJson()) process.stdout.write(`${JSON.stringify(row)}\n`);
    } else {
      const rows = reader.getRowsJson().map((r) => r.map((v) => (v === null ? 'NULL' : typeof v === 'string' ? v : JSON.stringify(v))));
      printTable(columns, rows);
    }
    return 0;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${error instanceof ConfigError ? error.message : `query failed: ${(error as Error).message}`}\n`);
    process.exit(1);
  },
);
