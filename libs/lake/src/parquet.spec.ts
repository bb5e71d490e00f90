import { promises as fs } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ColumnDef } from '@platform/warehouse';
import { ParquetEncoder } from './parquet';

const COLUMNS: ColumnDef[] = [
  { name: 'event id', type: 'string', nullable: false },
  { name: 'at', type: 'timestamp', nullable: false },
  { name: 'amount', type: 'double', nullable: true },
  { name: 'payload', type: 'json', nullable: true },
];

/** Reads a Parquet file back with a separate DuckDB: its schema (name -> type) and rows. */
async function readBack(path: string): Promise<{ types: Record<string, string>; rows: Record<string, unknown>[] }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`);
    const types = Object.fromEntries(described.getRowObjectsJS().map((r) => [r.column_name as string, r.column_type as string]));
    const reader = await connection.runAndReadAll(`SELECT "event id", epoch_ms("at") AS at_ms, amount, payload FROM read_parquet('${path}')`);
    return { types, rows: reader.getRowObjectsJS() };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('ParquetEncoder', () => {
  let dir: string;
  let encoder: ParquetEncoder;

  beforeEach(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), 'parquet-'));
    encoder = new ParquetEncoder();
  });

  afterEach(async () => {
    encoder.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('writes the rows in column order, timestamps as TIMESTAMP columns and JSON as text', async () => {
    const path = join(dir, "it's.parquet"); // a quote in the path
    const at = Date.parse('2026-03-04T05:06:07.089Z');
    await encoder.write(path, COLUMNS, [
      ['a', at, 1.5, '{"k":1}'],
      ['b', at + 1, null, null],
    ]);
    const { types, rows } = await readBack(path.replace(/'/g, "''"));
    expect(types).toEqual({ 'event id': 'VARCHAR', at: 'TIMESTAMP', amount: 'DOUBLE', payload: 'VARCHAR' });
    expect(rows).toEqual([
      { 'event id': 'a', at_ms: BigInt(at), amount: 1.5, payload: '{"k":1}' },
      { 'event id': 'b', at_ms: BigInt(at + 1), amount: null, payload: null },
    ]);
  });

  it('runs writes one at a time, a failed one leaving the next ones unharmed', async () => {
    const one = encoder.write(join(dir, '1.parquet'), COLUMNS, [['x', 0, 1, null]]);
    const failing = encoder.write(join(dir, 'no-such-dir', '2.parquet'), COLUMNS, [['y', 0, 2, null]]);
    const three = encoder.write(join(dir, '3.parquet'), COLUMNS, [['z', 0, 3, null]]);
    await expect(one).resolves.toBeUndefined();
    await expect(failing).rejects.toThrow();
    await expect(three).resolves.toBeUndefined();
    expect((await readBack(join(dir, '3.parquet'))).rows).toEqual([{ 'event id': 'z', at_ms: 0n, amount: 3, payload: null }]);
    expect((await readBack(join(dir, '1.parquet'))).rows).toEqual([{ 'event id': 'x', at_ms: 0n, amount: 1, payload: null }]);
  });

  it('opens once, and opens again after being closed', async () => {
    await encoder.open();
    await encoder.open();
    await encoder.write(join(dir, 'a.parquet'), COLUMNS, [['a', 5, null, null]]);
    encoder.close();
    encoder.close();
    await encoder.write(join(dir, 'b.parquet'), COLUMNS, [['b', 6, null, null]]);
    expect((await readBack(join(dir, 'b.parquet'))).rows).toEqual([{ 'event id': 'b', at_ms: 6n, amount: null, payload: null }]);
  });

  it('leaves no staging table behind, so the next write may use other columns', async () => {
    await encoder.write(join(dir, 'a.parquet'), COLUMNS, [['a', 5, 1, null]]);
    const other: ColumnDef[] = [{ name: 'n', type: 'bigint', nullable: false }];
    await encoder.write(join(dir, 'b.parquet'), other, [[7n]]);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet('${join(dir, 'b.parquet')}')`);
      expect(reader.getRowObjectsJS()).toEqual([{ n: 7n }]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
  it('creates one DuckDB instance for all its writes until closed, and a new one after (counted with a spy)', async () => {
    const create = jest.spyOn(DuckDBInstance, 'create');
    try {
      await encoder.open();
      await encoder.open();
      await encoder.write(join(dir, 'a.parquet'), COLUMNS, [['a', 1, null, null]]);
      await encoder.write(join(dir, 'b.parquet'), COLUMNS, [['b', 2, null, null]]);
      expect(create).toHaveBeenCalledTimes(1);
      encoder.close();
      await encoder.write(join(dir, 'c.parquet'), COLUMNS, [['c', 3, null, null]]);
      expect(create).toHaveBeenCalledTimes(2);
    } finally {
      create.mockRestore();
    }
  });
  it('drops its staging table after each write, failed or not, so no batch stays in memory', async () => {
    const tables = async (): Promise<unknown[]> => {
      const connection = (encoder as unknown as { connection: { runAndReadAll(sql: string): Promise<{ getRowObjectsJS(): unknown[] }> } }).connection;
      return (await connection.runAndReadAll(`SELECT table_name FROM duckdb_tables() WHERE table_name = 'parquet_rows'`)).getRowObjectsJS();
    };
    await encoder.write(join(dir, 'a.parquet'), COLUMNS, [['a', 1, 2, null]]);
    expect(await tables()).toEqual([]);
    await expect(encoder.write(join(dir, 'missing', 'b.parquet'), COLUMNS, [['b', 1, 2, null]])).rejects.toThrow();
    expect(await tables()).toEqual([]);
  });
});
