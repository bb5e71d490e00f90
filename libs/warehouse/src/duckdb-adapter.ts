/**
 * DuckDB warehouse (the default): one file. DuckDB lets one process write a file at a time, so by
 * default the adapter opens the file only for the duration of an operation and closes it after; a
 * person can then query the file between flushes (scripts/query.ts retries briefly while a flush
 * holds the lock). Rows are appended to a temporary staging table and upserted from there with
 * INSERT ... ON CONFLICT in one transaction together with the consumer offsets.
 */
import { dirname } from 'path';
import { mkdirSync } from 'fs';
import { DuckDBAppender, DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { baseTableSpec, ColumnDef, ColumnType, columnTypeFromSql, TableName, TableSpec } from './columns';
import { timelineViewSql } from './point-in-time';
import { OffsetPosition, TableWrite, WarehouseAdapter } from './adapter';
import { rowValues } from './batch';
import { quoteIdent as q } from './sql';

const SQL_TYPE: Record<ColumnType, string> = {
  string: 'VARCHAR',
  bigint: 'BIGINT',
  integer: 'INTEGER',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
  json: 'JSON',
};

/** Staging holds what the appender writes cheaply: timestamps as epoch ms, JSON as text. */
const STAGE_TYPE: Record<ColumnType, string> = { ...SQL_TYPE, timestamp: 'BIGINT', json: 'VARCHAR' };

export interface DuckDbAdapterOptions {
  path: string;
  /** Keep the file open between operations (faster; blocks other processes from opening it). */
  holdOpen?: boolean;
}

interface Session {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
}

export function tableRef(spec: Pick<TableSpec, 'schema' | 'table'>): string {
  return `${q(spec.schema)}.${q(spec.table)}`;
}

export function duckDbCreateTableSql(spec: TableSpec): string {
  const columns = spec.columns.map((c) => `${q(c.name)} ${SQL_TYPE[c.type]}${c.nullable ? '' : ' NOT NULL'}`);
  columns.push(`${q('loaded_at')} TIMESTAMPTZ DEFAULT current_timestamp`);
  return `CREATE TABLE IF NOT EXISTS ${tableRef(spec)} (${columns.join(', ')}, PRIMARY KEY (${spec.key.map(q).join(', ')}))`;
}

function selectExpression(column: ColumnDef): string {
  if (column.type === 'timestamp') return `epoch_ms(${q(column.name)})`;
  if (column.type === 'json') return `${q(column.name)}::JSON`;
  return q(column.name);
}

/** INSERT ... SELECT from the staging table with the table's conflict rule. */
export function duckDbUpsertSql(spec: TableSpec, stage: string): string {
  const names = spec.columns.map((c) => q(c.name)).join(', ');
  const select = spec.columns.map(selectExpression).join(', ');
  const target = tableRef(spec);
  const head = `INSERT INTO ${target} (${names}) SELECT ${select} FROM ${q(stage)} ON CONFLICT (${spec.key.map(q).join(', ')})`;
  if (spec.conflict.kind === 'keep-existing') return `${head} DO NOTHING`;
  const keys = new Set(spec.key);
  const updates = spec.columns
    .filter((c) => !keys.has(c.name))
    .map((c) => `${q(c.name)} = excluded.${q(c.name)}`)
    .concat(`${q('loaded_at')} = now()`);
  const v = q(spec.conflict.versionColumn);
  return `${head} DO UPDATE SET ${updates.join(', ')} WHERE excluded.${v} > ${target}.${v}`;
}

function append(appender: DuckDBAppender, type: ColumnType, value: unknown): void {
  if (value === null || value === undefined) {
    appender.appendNull();
    return;
  }
  switch (type) {
    case 'string':
    case 'json':
      appender.appendVarchar(String(value));
      return;
    case 'bigint':
    case 'timestamp':
      appender.appendBigInt(BigInt(value as number));
      return;
    case 'integer':
      appender.appendInteger(Number(value));
      return;
    case 'double':
      appender.appendDouble(Number(value));
      return;
    case 'boolean':
      appender.appendBoolean(Boolean(value));
      return;
  }
}

/** Creates a staging table for `columns` and appends `rows` (values in column order). */
export async function stageRows(connection: DuckDBConnection, stage: string, columns: readonly ColumnDef[], rows: readonly unknown[][]): Promise<void> {
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${q(stage)} (${columns.map((c) => `${q(c.name)} ${STAGE_TYPE[c.type]}`).join(', ')})`);
  const appender = await connection.createAppender(stage, 'main', 'temp');
  try {
    for (const values of rows) {
      for (let i = 0; i < columns.length; i++) append(appender, columns[i].type, values[i]);
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

export class DuckDbAdapter implements WarehouseAdapter {
  readonly kind = 'duckdb' as const;
  readonly storesOffsets = true;
  private held?: Session;

  constructor(private readonly options: DuckDbAdapterOptions) {}

  async init(): Promise<void> {
    mkdirSync(dirname(this.options.path), { recursive: true });
    await this.withSession(async (c) => {
      for (const schema of ['raw', 'analytics', 'sink_state']) await c.run(`CREATE SCHEMA IF NOT EXISTS ${q(schema)}`);
      await c.run(duckDbCreateTableSql(baseTableSpec('raw.events')));
      await c.run(duckDbCreateTableSql(baseTableSpec('analytics.aggregated_events')));
      await c.run(duckDbCreateTableSql(baseTableSpec('analytics.aggregated_event_versions')));
      await c.run(timelineViewSql('duckdb'));
      await c.run(
        `CREATE TABLE IF NOT EXISTS sink_state.offsets (consumer_group VARCHAR NOT NULL, topic VARCHAR NOT NULL, "partition" INTEGER NOT NULL, next_offset BIGINT NOT NULL, updated_at TIMESTAMPTZ DEFAULT current_timestamp, PRIMARY KEY (consumer_group, topic, "partition"))`,
      );
    });
  }

  async describeColumns(table: TableName): Promise<ColumnDef[]> {
    const spec = baseTableSpec(table);
    return this.withSession(async (c) => {
      const result = await c.runAndReadAll(
        `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
        [spec.schema, spec.table],
      );
      return result.getRowObjects().map((r) => ({ name: String(r.column_name), type: columnTypeFromSql(String(r.data_type)), nullable: r.is_nullable === 'YES' }));
    });
  }

  async addColumns(table: TableName, columns: ColumnDef[]): Promise<void> {
    const ref = tableRef(baseTableSpec(table));
    await this.withSession(async (c) => {
      for (const column of columns) await c.run(`ALTER TABLE ${ref} ADD COLUMN IF NOT EXISTS ${q(column.name)} ${SQL_TYPE[column.type]}`);
    });
  }

  async write(writes: TableWrite[], offsets: OffsetPosition[]): Promise<void> {
    await this.withSession(async (c) => {
      const stages: Array<{ spec: TableSpec; stage: string }> = [];
      for (const write of writes) {
        const stage = `stage_${write.spec.schema}_${write.spec.table}`;
        await stageRows(c, stage, write.spec.columns, write.rows.map((row) => rowValues(write.spec, row)));
        stages.push({ spec: write.spec, stage });
      }
      await c.run('BEGIN TRANSACTION');
      try {
        for (const { spec, stage } of stages) await c.run(duckDbUpsertSql(spec, stage));
        for (const o of offsets) {
          await c.run(
            `INSERT INTO sink_state.offsets (consumer_group, topic, "partition", next_offset) VALUES ($1, $2, $3, $4)
             ON CONFLICT (consumer_group, topic, "partition") DO UPDATE SET next_offset = greatest(sink_state.offsets.next_offset, excluded.next_offset), updated_at = now()`,
            [o.consumerGroup, o.topic, o.partition, BigInt(o.nextOffset)],
          );
        }
        await c.run('COMMIT');
      } catch (error) {
        await c.run('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        for (const { stage } of stages) await c.run(`DROP TABLE IF EXISTS ${q(stage)}`).catch(() => undefined);
      }
    });
  }

  async readOffsets(consumerGroup: string): Promise<OffsetPosition[]> {
    return this.withSession(async (c) => {
      const result = await c.runAndReadAll(`SELECT topic, "partition", next_offset FROM sink_state.offsets WHERE consumer_group = $1`, [consumerGroup]);
      return result.getRowObjects().map((r) => ({ consumerGroup, topic: String(r.topic), partition: Number(r.partition), nextOffset: Number(r.next_offset) }));
    });
  }

  isTransient(error: unknown): boolean {
    const message = String((error as Error)?.message ?? error);
    return /Could not set lock|Conflicting lock|Transaction conflict|Conflict on|write-write conflict/i.test(message);
  }

  async close(): Promise<void> {
    if (this.held) {
      this.held.connection.closeSync();
      this.held.instance.closeSync();
      this.held = undefined;
    }
  }

  /** Runs `work` on an open connection; opens and closes the file around it unless holdOpen. */
  private async withSession<T>(work: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.options.holdOpen) {
      if (!this.held) {
        const instance = await DuckDBInstance.create(this.options.path);
        this.held = { instance, connection: await instance.connect() };
      }
      return work(this.held.connection);
    }
    const instance = await DuckDBInstance.create(this.options.path);
    let connection: DuckDBConnection | undefined;
    try {
      connection = await instance.connect();
      return await work(connection);
    } finally {
      connection?.closeSync();
      instance.closeSync();
    }
  }
}
