/**
 * PostgreSQL warehouse: rows go in as one array per column (INSERT ... SELECT FROM unnest(...)),
 * so a statement has a handful of parameters however many rows it carries, and are upserted with
 * ON CONFLICT in one transaction together with the consumer offsets.
 */
import { Pool, PoolClient } from 'pg';
import { baseTableSpec, ColumnDef, ColumnType, columnTypeFromSql, TableName, TableSpec } from './columns';
import { timelineViewSql } from './point-in-time';
import { isNetworkError, OffsetPosition, TableWrite, WarehouseAdapter } from './adapter';
import { chunk, rowValues } from './batch';
import { quoteIdent as q } from './sql';

const SQL_TYPE: Record<ColumnType, string> = {
  string: 'text',
  bigint: 'bigint',
  integer: 'integer',
  double: 'double precision',
  boolean: 'boolean',
  timestamp: 'timestamptz',
  json: 'jsonb',
};

/** The array type each column travels in: timestamps as epoch ms, JSON as text. */
const ARRAY_TYPE: Record<ColumnType, string> = {
  string: 'text[]',
  bigint: 'bigint[]',
  integer: 'integer[]',
  double: 'double precision[]',
  boolean: 'boolean[]',
  timestamp: 'bigint[]',
  json: 'text[]',
};

const ROWS_PER_STATEMENT = 5000;

export interface PostgresAdapterOptions {
  connectionString: string;
  poolSize?: number;
}

export function tableRef(spec: Pick<TableSpec, 'schema' | 'table'>): string {
  return `${q(spec.schema)}.${q(spec.table)}`;
}

export function postgresCreateTableSql(spec: TableSpec): string {
  const columns = spec.columns.map((c) => `${q(c.name)} ${SQL_TYPE[c.type]}${c.nullable ? '' : ' NOT NULL'}`);
  columns.push(`${q('loaded_at')} timestamptz NOT NULL DEFAULT now()`);
  return `CREATE TABLE IF NOT EXISTS ${tableRef(spec)} (${columns.join(', ')}, PRIMARY KEY (${spec.key.map(q).join(', ')}))`;
}

function selectExpression(column: ColumnDef, alias: string): string {
  const ref = `${alias}.${q(column.name)}`;
  if (column.type === 'timestamp') return `timestamptz 'epoch' + ${ref} * interval '1 millisecond'`;
  if (column.type === 'json') return `${ref}::jsonb`;
  return ref;
}

/** INSERT ... SELECT FROM unnest($1::type[], ...) with the table's conflict rule; $n is the n-th column. */
export function postgresUpsertSql(spec: TableSpec): string {
  const names = spec.columns.map((c) => q(c.name)).join(', ');
  const arrays = spec.columns.map((c, i) => `$${i + 1}::${ARRAY_TYPE[c.type]}`).join(', ');
  const select = spec.columns.map((c) => selectExpression(c, 'u')).join(', ');
  const target = tableRef(spec);
  const head =
    `INSERT INTO ${target} AS t (${names}) SELECT ${select} FROM unnest(${arrays}) AS u(${names}) ` + `ON CONFLICT (${spec.key.map(q).join(', ')})`;
  if (spec.conflict.kind === 'keep-existing') return `${head} DO NOTHING`;
  const keys = new Set(spec.key);
  const updates = spec.columns
    .filter((c) => !keys.has(c.name))
    .map((c) => `${q(c.name)} = EXCLUDED.${q(c.name)}`)
    .concat(`${q('loaded_at')} = now()`);
  const v = q(spec.conflict.versionColumn);
  return `${head} DO UPDATE SET ${updates.join(', ')} WHERE EXCLUDED.${v} > t.${v}`;
}

/** The statement's parameters: one array per column. */
export function columnArrays(spec: TableSpec, rows: readonly Record<string, unknown>[]): unknown[][] {
  const arrays: unknown[][] = spec.columns.map(() => new Array(rows.length));
  rows.forEach((row, r) => {
    const values = rowValues(spec, row);
    for (let c = 0; c < values.length; c++) arrays[c][r] = values[c];
  });
  return arrays;
}

const OFFSETS_UPSERT = `INSERT INTO sink_state.offsets AS o (consumer_group, topic, "partition", next_offset)
  SELECT * FROM unnest($1::text[], $2::text[], $3::integer[], $4::bigint[])
  ON CONFLICT (consumer_group, topic, "partition") DO UPDATE SET next_offset = greatest(o.next_offset, EXCLUDED.next_offset), updated_at = now()`;

export class PostgresAdapter implements WarehouseAdapter {
  readonly kind = 'postgres' as const;
  readonly storesOffsets = true;
  private readonly pool: Pool;

  constructor(options: PostgresAdapterOptions) {
    this.pool = new Pool({ connectionString: options.connectionString, max: options.poolSize ?? 2, connectionTimeoutMillis: 5000 });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  async init(): Promise<void> {
    await this.transaction(async (c) => {
      // Serialize concurrent first starts: CREATE ... IF NOT EXISTS can still race in PostgreSQL.
      await c.query(`SELECT pg_advisory_xact_lock(hashtext('sink.warehouse.init'))`);
      for (const schema of ['raw', 'analytics', 'sink_state']) await c.query(`CREATE SCHEMA IF NOT EXISTS ${q(schema)}`);
      await c.query(postgresCreateTableSql(baseTableSpec('raw.events')));
      await c.query(postgresCreateTableSql(baseTableSpec('analytics.aggregated_events')));
      await c.query(postgresCreateTableSql(baseTableSpec('analytics.aggregated_event_versions')));
      await c.query(timelineViewSql('postgres'));
      await c.query(
        `CREATE TABLE IF NOT EXISTS sink_state.offsets (consumer_group text NOT NULL, topic text NOT NULL, "partition" integer NOT NULL, next_offset bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (consumer_group, topic, "partition"))`,
      );
    });
  }

  async describeColumns(table: TableName): Promise<ColumnDef[]> {
    const spec = baseTableSpec(table);
    const result = await this.pool.query(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
      [spec.schema, spec.table],
    );
    return result.rows.map((r) => ({ name: r.column_name, type: columnTypeFromSql(r.data_type), nullable: r.is_nullable === 'YES' }));
  }

  async addColumns(table: TableName, columns: ColumnDef[]): Promise<void> {
    const ref = tableRef(baseTableSpec(table));
    await this.transaction(async (c) => {
      for (const column of columns) await c.query(`ALTER TABLE ${ref} ADD COLUMN IF NOT EXISTS ${q(column.name)} ${SQL_TYPE[column.type]}`);
    });
  }

  async write(writes: TableWrite[], offsets: OffsetPosition[]): Promise<void> {
    await this.transaction(async (c) => {
      for (const write of writes) {
        const sql = postgresUpsertSql(write.spec);
        for (const part of chunk(write.rows, ROWS_PER_STATEMENT)) await c.query(sql, columnArrays(write.spec, part));
      }
      if (offsets.length > 0) {
        await c.query(OFFSETS_UPSERT, [offsets.map((o) => o.consumerGroup), offsets.map((o) => o.topic), offsets.map((o) => o.partition), offsets.map((o) => String(o.nextOffset))]);
      }
    });
  }

  async readOffsets(consumerGroup: string): Promise<OffsetPosition[]> {
    const result = await this.pool.query(`SELECT topic, "partition", next_offset FROM sink_state.offsets WHERE consumer_group = $1`, [consumerGroup]);
    return result.rows.map((r) => ({ consumerGroup, topic: r.topic, partition: Number(r.partition), nextOffset: Number(r.next_offset) }));
  }

  isTransient(error: unknown): boolean {
    const code = String((error as { code?: string })?.code ?? '');
    // 08: connection exception, 40: transaction rollback (serialization, deadlock), 53: insufficient resources,
    // 57P: operator intervention (shutdown), 55P03: lock not available.
    return /^(08|40|53|57P)/.test(code) || code === '55P03' || isNetworkError(error);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async transaction<T>(work: (c: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }
}
