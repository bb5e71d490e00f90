/** The DuckDB adapter against a real DuckDB file (in-process; no service). */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { DuckDBInstance } from '@duckdb/node-api';
import { versionedTableSpec as small, warehouseUpsertContract, WarehouseProbe } from '../../../test/support/warehouse-contract';
import { baseTableSpec } from './columns';
import { DuckDbAdapter, duckDbCreateTableSql, duckDbUpsertSql } from './duckdb-adapter';

async function queryFile(path: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjects();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const dirs: string[] = [];
function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'duckdb-adapter-'));
  dirs.push(dir);
  return join(dir, 'nested', 'warehouse.duckdb');
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('DuckDbAdapter upserts (real DuckDB file)', () => {
  warehouseUpsertContract(
    async (): Promise<WarehouseProbe> => {
      const path = tempFile();
      return { adapter: new DuckDbAdapter({ path }), query: (sql) => queryFile(path, sql) };
    },
    async (probe) => probe.adapter.close(),
  );
});

describe('DuckDbAdapter with the file held open', () => {
  it('writes and reads through one open file, and releases it on close', async () => {
    const path = tempFile();
    const adapter = new DuckDbAdapter({ path, holdOpen: true });
    await adapter.init();
    await adapter.write([], [{ consumerGroup: 'g', topic: 't', partition: 3, nextOffset: 42 }]);
    expect(await adapter.readOffsets('g')).toEqual([{ consumerGroup: 'g', topic: 't', partition: 3, nextOffset: 42 }]);
    await adapter.close();
    await adapter.close();
    expect(await queryFile(path, 'SELECT next_offset FROM sink_state.offsets')).toEqual([{ next_offset: 42n }]);
  });
});

describe('DuckDbAdapter columns', () => {
  it('describes the table and adds nullable columns once', async () => {
    const path = tempFile();
    const adapter = new DuckDbAdapter({ path });
    await adapter.init();
    await adapter.init();
    const before = await adapter.describeColumns('raw.events');
    expect(before.slice(0, 3)).toEqual([
      { name: 'event_id', type: 'string', nullable: false },
      { name: 'timestamp', type: 'timestamp', nullable: false },
      { name: 'event_type', type: 'string', nullable: false },
    ]);
    await adapter.addColumns('raw.events', [{ name: 'region', type: 'string', nullable: true }, { name: 'score', type: 'double', nullable: true }]);
    await adapter.addColumns('raw.events', [{ name: 'region', type: 'string', nullable: true }]);
    const after = await adapter.describeColumns('raw.events');
    expect(after.slice(before.length)).toEqual([
      { name: 'region', type: 'string', nullable: true },
      { name: 'score', type: 'double', nullable: true },
    ]);
  });

  it('knows lock and conflict errors as transient, and nothing else', () => {
    const adapter = new DuckDbAdapter({ path: 'unused' });
    for (const message of ['IO Error: Could not set lock on file "x"', 'Conflicting lock is held', 'TransactionContext Error: Transaction conflict', 'Conflict on tuple deletion', 'write-write conflict on key']) {
      expect([message, adapter.isTransient(new Error(message))]).toEqual([message, true]);
    }
    expect(adapter.isTransient(new Error('Constraint Error: NOT NULL constraint failed'))).toBe(false);
    expect(adapter.isTransient('could not set lock')).toBe(true);
    expect(adapter.isTransient(undefined)).toBe(false);
  });
});

describe('DuckDB SQL text', () => {
  it('upserts a versioned table only when the incoming version is higher', () => {
    expect(duckDbUpsertSql(small, 'stage_1')).toBe(
      'INSERT INTO "analytics"."agg" ("k", "at", "doc", "version") SELECT "k", epoch_ms("at"), "doc"::JSON, "version" FROM "stage_1" ON CONFLICT ("k") ' +
        'DO UPDATE SET "at" = excluded."at", "doc" = excluded."doc", "version" = excluded."version", "loaded_at" = now() WHERE excluded."version" > "analytics"."agg"."version"',
    );
  });

  it('keeps the existing row of a keep-existing table', () => {
    expect(duckDbUpsertSql({ ...small, conflict: { kind: 'keep-existing' } }, 's')).toBe(
      'INSERT INTO "analytics"."agg" ("k", "at", "doc", "version") SELECT "k", epoch_ms("at"), "doc"::JSON, "version" FROM "s" ON CONFLICT ("k") DO NOTHING',
    );
  });

  it('creates tables with their types, NOT NULL, loaded_at and the key', () => {
    expect(duckDbCreateTableSql(small)).toBe(
      'CREATE TABLE IF NOT EXISTS "analytics"."agg" ("k" VARCHAR NOT NULL, "at" TIMESTAMP NOT NULL, "doc" JSON, "version" INTEGER NOT NULL, "loaded_at" TIMESTAMPTZ DEFAULT current_timestamp, PRIMARY KEY ("k"))',
    );
    expect(duckDbCreateTableSql(baseTableSpec('analytics.aggregated_events'))).toContain('PRIMARY KEY ("window_start", "window_name", "event_type", "group_key")');
  });
});
