/**
 * Parquet files written by an in-memory DuckDB (its parquet extension is built in, no download):
 * rows are appended to a temporary table and COPYed out with ZSTD compression. Timestamps become
 * TIMESTAMP columns, JSON stays text so any Parquet reader can use it.
 */
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { ColumnDef, quoteIdent as q, quoteLiteral, stageRows } from '@platform/warehouse';

function selectExpression(column: ColumnDef): string {
  if (column.type === 'timestamp') return `epoch_ms(${q(column.name)}) AS ${q(column.name)}`;
  return q(column.name);
}

export class ParquetEncoder {
  private connection?: DuckDBConnection;
  private instance?: DuckDBInstance;
  private queue: Promise<unknown> = Promise.resolve();

  async open(): Promise<void> {
    if (this.connection) return;
    this.instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    this.connection = await this.instance.connect();
  }

  /** Writes `rows` (values in `columns` order) to a Parquet file at `path`. Calls run one at a time. */
  write(path: string, columns: readonly ColumnDef[], rows: readonly unknown[][]): Promise<void> {
    const run = this.queue.then(() => this.writeNow(path, columns, rows));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async writeNow(path: string, columns: readonly ColumnDef[], rows: readonly unknown[][]): Promise<void> {
    if (!this.connection) await this.open();
    const c = this.connection!;
    await stageRows(c, 'parquet_rows', columns, rows);
    try {
      await c.run(`COPY (SELECT ${columns.map(selectExpression).join(', ')} FROM ${q('parquet_rows')}) TO ${quoteLiteral(path)} (FORMAT PARQUET, COMPRESSION ZSTD)`);
    } finally {
      await c.run(`DROP TABLE IF EXISTS ${q('parquet_rows')}`);
    }
  }

  close(): void {
    this.connection?.closeSync();
    this.instance?.closeSync();
    this.connection = undefined;
    this.instance = undefined;
  }
}
