/**
 * Snowflake warehouse. Rows are bulk-inserted (array binds) into a session-scoped temporary staging
 * table with plain types, then MERGEd into the target by key: raw events insert when absent,
 * aggregates update only when the incoming version is higher. A replay merges to the same state,
 * so the sink commits Kafka offsets after the MERGE instead of storing them here.
 * Identifiers are upper-case and quoted, which is what unquoted lower-case names resolve to.
 */
import { baseTableSpec, ColumnDef, ColumnType, columnTypeFromSql, TableName, TableSpec } from './columns';
import { timelineViewSql } from './point-in-time';
import { isNetworkError, OffsetPosition, TableWrite, WarehouseAdapter } from './adapter';
import { chunk, rowValues } from './batch';
import { quoteIdent } from './sql';

/** The statements the adapter needs from a Snowflake connection (snowflake-sdk in production). */
export interface SqlSession {
  execute(sqlText: string, binds?: unknown[] | unknown[][]): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

const SQL_TYPE: Record<ColumnType, string> = {
  string: 'VARCHAR',
  bigint: 'NUMBER(38,0)',
  integer: 'NUMBER(38,0)',
  double: 'FLOAT',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP_NTZ',
  json: 'VARIANT',
};

/** Staging column types: timestamps as epoch ms, JSON as text (array binds cannot call PARSE_JSON). */
const STAGE_TYPE: Record<ColumnType, string> = { ...SQL_TYPE, timestamp: 'NUMBER(38,0)', json: 'VARCHAR' };

const ROWS_PER_INSERT = 10000;

const q = (name: string) => quoteIdent(name.toUpperCase());

export function snowflakeTableRef(spec: Pick<TableSpec, 'schema' | 'table'>): string {
  return `${q(spec.schema)}.${q(spec.table)}`;
}

export function snowflakeStageName(spec: Pick<TableSpec, 'schema' | 'table'>): string {
  return q(`sink_stage_${spec.schema}_${spec.table}`);
}

export function snowflakeCreateTableSql(spec: TableSpec): string {
  const columns = spec.columns.map((c) => `${q(c.name)} ${SQL_TYPE[c.type]}${c.nullable ? '' : ' NOT NULL'}`);
  columns.push(`${q('loaded_at')} TIMESTAMP_LTZ DEFAULT CURRENT_TIMESTAMP()`);
  return `CREATE TABLE IF NOT EXISTS ${snowflakeTableRef(spec)} (${columns.join(', ')}, PRIMARY KEY (${spec.key.map(q).join(', ')}))`;
}

export function snowflakeStageSql(spec: TableSpec): string {
  return `CREATE OR REPLACE TEMPORARY TABLE ${snowflakeStageName(spec)} (${spec.columns.map((c) => `${q(c.name)} ${STAGE_TYPE[c.type]}`).join(', ')})`;
}

export function snowflakeStageInsertSql(spec: TableSpec): string {
  return `INSERT INTO ${snowflakeStageName(spec)} (${spec.columns.map((c) => q(c.name)).join(', ')}) VALUES (${spec.columns.map(() => '?').join(', ')})`;
}

function sourceExpression(column: ColumnDef): string {
  if (column.type === 'timestamp') return `TO_TIMESTAMP_NTZ(${q(column.name)}, 3) AS ${q(column.name)}`;
  if (column.type === 'json') return `PARSE_JSON(${q(column.name)}) AS ${q(column.name)}`;
  return q(column.name);
}

export function snowflakeMergeSql(spec: TableSpec): string {
  const source = `(SELECT ${spec.columns.map(sourceExpression).join(', ')} FROM ${snowflakeStageName(spec)})`;
  const on = spec.key.map((k) => `t.${q(k)} = s.${q(k)}`).join(' AND ');
  const names = spec.columns.map((c) => q(c.name)).join(', ');
  const values = spec.columns.map((c) => `s.${q(c.name)}`).join(', ');
  const insert = `WHEN NOT MATCHED THEN INSERT (${names}) VALUES (${values})`;
  const head = `MERGE INTO ${snowflakeTableRef(spec)} AS t USING ${source} AS s ON ${on}`;
  if (spec.conflict.kind === 'keep-existing') return `${head} ${insert}`;
  const keys = new Set(spec.key);
  const v = q(spec.conflict.versionColumn);
  const updates = spec.columns
    .filter((c) => !keys.has(c.name))
    .map((c) => `${q(c.name)} = s.${q(c.name)}`)
    .concat(`${q('loaded_at')} = CURRENT_TIMESTAMP()`);
  return `${head} WHEN MATCHED AND s.${v} > t.${v} THEN UPDATE SET ${updates.join(', ')} ${insert}`;
}

export class SnowflakeAdapter implements WarehouseAdapter {
  readonly kind = 'snowflake' as const;
  readonly storesOffsets = false;

  constructor(private readonly session: SqlSession) {}

  async init(): Promise<void> {
    for (const schema of ['raw', 'analytics']) await this.session.execute(`CREATE SCHEMA IF NOT EXISTS ${q(schema)}`);
    await this.session.execute(snowflakeCreateTableSql(baseTableSpec('raw.events')));
    await this.session.execute(snowflakeCreateTableSql(baseTableSpec('analytics.aggregated_events')));
    await this.session.execute(snowflakeCreateTableSql(baseTableSpec('analytics.aggregated_event_versions')));
    await this.session.execute(timelineViewSql('snowflake'));
  }

  async describeColumns(table: TableName): Promise<ColumnDef[]> {
    const spec = baseTableSpec(table);
    const rows = await this.session.execute(
      `SELECT COLUMN_NAME, DATA_TYPE, IS_NULLABLE FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
      [spec.schema.toUpperCase(), spec.table.toUpperCase()],
    );
    return rows.map((r) => ({ name: String(r.COLUMN_NAME).toLowerCase(), type: columnTypeFromSql(String(r.DATA_TYPE)), nullable: r.IS_NULLABLE === 'YES' }));
  }

  async addColumns(table: TableName, columns: ColumnDef[]): Promise<void> {
    const ref = snowflakeTableRef(baseTableSpec(table));
    for (const column of columns) await this.session.execute(`ALTER TABLE ${ref} ADD COLUMN IF NOT EXISTS ${q(column.name)} ${SQL_TYPE[column.type]}`);
  }

  async write(writes: TableWrite[], _offsets: OffsetPosition[]): Promise<void> {
    if (writes.length === 0) return;
    // Staging first: DDL commits implicitly in Snowflake, so it stays outside the transaction.
    for (const write of writes) {
      await this.session.execute(snowflakeStageSql(write.spec));
      const insert = snowflakeStageInsertSql(write.spec);
      for (const part of chunk(write.rows, ROWS_PER_INSERT)) {
        await this.session.execute(
          insert,
          part.map((row) => rowValues(write.spec, row)),
        );
      }
    }
    await this.session.execute('BEGIN');
    try {
      for (const write of writes) await this.session.execute(snowflakeMergeSql(write.spec));
      await this.session.execute('COMMIT');
    } catch (error) {
      await this.session.execute('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  async readOffsets(_consumerGroup: string): Promise<OffsetPosition[]> {
    return [];
  }

  isTransient(error: unknown): boolean {
    const e = error as { code?: number | string; sqlState?: string } | null;
    const code = Number(e?.code);
    // 401xxx/402xxx: the driver could not reach Snowflake or got a broken answer; 08xxx: connection state.
    return (code >= 401000 && code < 403000) || /^08/.test(String(e?.sqlState ?? '')) || isNetworkError(error);
  }

  async close(): Promise<void> {
    await this.session.close();
  }
}
