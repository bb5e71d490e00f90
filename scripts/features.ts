/**
 * Point-in-time training rows from the local DuckDB warehouse: for each entity row (event_type,
 * group_key, as_of) the aggregates as they were known at as_of (see docs/sink.md, "Point-in-time
 * aggregates"), one output row per entity row and window name, written as CSV or Parquet.
 *
 *   npm run features -- --entities rows.csv --out training.parquet
 *   npm run features -- --entities rows.parquet --out training.csv --db other.duckdb
 *
 * The entity file (CSV with a header, or Parquet) has the columns event_type, group_key and as_of
 * (epoch milliseconds or an ISO-8601 date-time; without an offset it means UTC). The output format
 * follows the --out extension (.parquet, else CSV). The warehouse file is opened READ_ONLY.
 * Environment: DATA_DIR (.data), WAREHOUSE_DUCKDB_PATH (${DATA_DIR}/warehouse.duckdb).
 */
import { existsSync } from 'fs';
import { join, resolve } from 'path';
import { DuckDBInstance } from '@duckdb/node-api';
import { env, loadEnv } from '@platform/runtime';
import { pointInTimeSql, quoteLiteral } from '@platform/warehouse';

function arg(args: string[], name: string): string | undefined {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
}

/** The entity rows as a relation with event_type, group_key and as_of (TIMESTAMP, UTC). */
export function entityRelation(path: string): string {
  const source = /\.parquet$/i.test(path)
    ? `read_parquet(${quoteLiteral(path)})`
    : `read_csv(${quoteLiteral(path)}, header = true, all_varchar = true)`;
  const asOf = `CAST(as_of AS VARCHAR)`;
  return (
    `(SELECT CAST(event_type AS VARCHAR) AS event_type, CAST(group_key AS VARCHAR) AS group_key, ` +
    `epoch_ms(CASE WHEN regexp_full_match(${asOf}, '-?[0-9]+') THEN CAST(${asOf} AS BIGINT) ELSE epoch_ms(CAST(${asOf} AS TIMESTAMPTZ)) END) AS as_of ` +
    `FROM ${source}) AS entity_rows`
  );
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const entities = arg(args, 'entities');
  const out = arg(args, 'out');
  if (!entities || !out) {
    process.stderr.write('usage: features.ts --entities <rows.csv|rows.parquet> --out <file.csv|file.parquet> [--db <warehouse.duckdb>]\n');
    return 2;
  }
  const settings = loadEnv({
    dataDir: env.string('DATA_DIR', { default: '.data' }),
    duckdbPath: env.optionalString('WAREHOUSE_DUCKDB_PATH'),
  });
  const db = resolve(arg(args, 'db') ?? settings.duckdbPath ?? join(settings.dataDir, 'warehouse.duckdb'));
  if (!existsSync(entities)) {
    process.stderr.write(`no entity file at ${entities}\n`);
    return 2;
  }
  if (!existsSync(db)) {
    process.stderr.write(`no warehouse at ${db} (start the sink, or pass --db)\n`);
    return 2;
  }
  const instance = await DuckDBInstance.create(db, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    await connection.run(`SET TimeZone = 'UTC'`);
    const format = /\.parquet$/i.test(out) ? 'FORMAT parquet' : 'FORMAT csv, HEADER true';
    const query = pointInTimeSql('duckdb', entityRelation(resolve(entities)));
    await connection.run(`COPY (${query}) TO ${quoteLiteral(resolve(out))} (${format})`);
    const counted = await connection.runAndReadAll(`SELECT count(*) AS n FROM (${query})`);
    process.stdout.write(`${String(counted.getRowObjectsJS()[0].n)} rows written to ${out}\n`);
    return 0;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`features: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
