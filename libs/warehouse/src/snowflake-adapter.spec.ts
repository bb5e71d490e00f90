/**
 * The Snowflake adapter and the loader over a fake connection that records every statement and its
 * binds (Snowflake cannot be reached from here; test/sink/snowflake-live.e2e.ts runs against a real
 * account when SNOWFLAKE_* variables are set).
 */
import { baseTableSpec, ColumnDef } from './columns';
import { WarehouseLoader, LoadRecord } from './loader';
import { SnowflakeAdapter, SqlSession, snowflakeMergeSql } from './snowflake-adapter';

interface Statement {
  sql: string;
  binds?: unknown[] | unknown[][];
}

/** Records statements; answers INFORMATION_SCHEMA queries from `columns`; fails statements matching `failOn`. */
class RecordingSession implements SqlSession {
  readonly statements: Statement[] = [];
  failOn?: { pattern: RegExp; error: Error };
  closed = false;

  /** What INFORMATION_SCHEMA.COLUMNS reports, by lower-case table name. */
  columns: Record<string, ColumnDef[]> = {};

  async execute(sql: string, binds?: unknown[] | unknown[][]): Promise<Array<Record<string, unknown>>> {
    this.statements.push({ sql, binds });
    if (this.failOn && this.failOn.pattern.test(sql)) throw this.failOn.error;
    if (sql.includes('INFORMATION_SCHEMA.COLUMNS')) {
      const table = String((binds as unknown[])[1]).toLowerCase();
      return (this.columns[table] ?? []).map((c) => ({ COLUMN_NAME: c.name.toUpperCase(), DATA_TYPE: c.type === 'boolean' ? 'BOOLEAN' : 'TEXT', IS_NULLABLE: c.nullable ? 'YES' : 'NO' }));
    }
    return [];
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  sqlOf(pattern: RegExp): string[] {
    return this.statements.filter((s) => pattern.test(s.sql)).map((s) => s.sql);
  }

  /** Statement kinds in order (first word or two), for checking the order of work. */
  kinds(): string[] {
    return this.statements.map((s) => s.sql.split(' ').slice(0, s.sql.startsWith('CREATE') ? 4 : 2).join(' '));
  }
}

const origin = (offset: number) => ({ topic: 'events.aggregated', partition: 0, offset, timestamp: 1_767_261_720_000, schemaId: 3 });

function aggregateRecord(offset: number, overrides: Record<string, unknown> = {}, extras: LoadRecord['extras'] = []): LoadRecord {
  return {
    kind: 'aggregate',
    value: {
      window_start: 1_767_261_600_000,
      window_end: 1_767_261_660_000,
      window_name: 'tumbling_1m',
      window_kind: 'tumbling',
      event_type: 'iot.sensor',
      group_key: 'dev-1',
      count: 2,
      sum_value: 3.5,
      avg_value: 1.75,
      min_value: 1,
      max_value: 2.5,
      distinct_users: 1,
      version: 1,
      is_final: false,
      processed_time: 1_767_261_720_000,
      ...overrides,
    },
    origin: origin(offset),
    extras,
    ref: offset,
  };
}

function rawRecord(offset: number, eventId: string): LoadRecord {
  return {
    kind: 'raw',
    value: { event_id: eventId, timestamp: 1_767_261_601_000, event_type: 'clickstream', user_id: 'u-1', device_id: null, trace_id: 't-1', payload: { page: '/a', action: 'view', duration_ms: 5 }, metadata: null },
    origin: { ...origin(offset), topic: 'events.clickstream' },
    extras: [],
    ref: offset,
  };
}

describe('Snowflake adapter (fake connection)', () => {
  it('MERGE for raw.events inserts when the event_id is absent and never updates (fake connection)', () => {
    const sql = snowflakeMergeSql(baseTableSpec('raw.events'));
    expect(sql).toMatch(/^MERGE INTO "RAW"\."EVENTS" AS t USING \(SELECT .* FROM "SINK_STAGE_RAW_EVENTS"\) AS s ON t\."EVENT_ID" = s\."EVENT_ID" WHEN NOT MATCHED THEN INSERT \(/);
    expect(sql).not.toMatch(/WHEN MATCHED/);
    // Timestamps arrive as epoch ms and JSON as text in staging; the MERGE converts them.
    expect(sql).toContain('TO_TIMESTAMP_NTZ("TIMESTAMP", 3) AS "TIMESTAMP"');
    expect(sql).toContain('PARSE_JSON("PAYLOAD") AS "PAYLOAD"');
  });

  it('MERGE for aggregates is keyed by window, type and group and updates only for a higher version (fake connection)', () => {
    const sql = snowflakeMergeSql(baseTableSpec('analytics.aggregated_events'));
    expect(sql).toContain('ON t."WINDOW_START" = s."WINDOW_START" AND t."WINDOW_NAME" = s."WINDOW_NAME" AND t."EVENT_TYPE" = s."EVENT_TYPE" AND t."GROUP_KEY" = s."GROUP_KEY"');
    expect(sql).toMatch(/WHEN MATCHED AND s\."VERSION" > t\."VERSION" THEN UPDATE SET .*"COUNT" = s\."COUNT".*"LOADED_AT" = CURRENT_TIMESTAMP\(\) WHEN NOT MATCHED THEN INSERT/);
    // Key columns are never updated.
    expect(sql).not.toMatch(/UPDATE SET[^]*"WINDOW_START" = s\."WINDOW_START"[^]*WHEN NOT MATCHED/);
  });

  it('creates schemas and the three tables when missing (fake connection)', async () => {
    const session = new RecordingSession();
    await new SnowflakeAdapter(session).init();
    expect(session.sqlOf(/^CREATE SCHEMA/)).toEqual(['CREATE SCHEMA IF NOT EXISTS "RAW"', 'CREATE SCHEMA IF NOT EXISTS "ANALYTICS"']);
    const tables = session.sqlOf(/^CREATE TABLE/);
    expect(tables).toHaveLength(3);
    expect(tables[0]).toMatch(/^CREATE TABLE IF NOT EXISTS "RAW"\."EVENTS" \("EVENT_ID" VARCHAR NOT NULL, "TIMESTAMP" TIMESTAMP_NTZ NOT NULL, .*"PAYLOAD" VARIANT NOT NULL.*PRIMARY KEY \("EVENT_ID"\)\)$/);
    expect(tables[1]).toMatch(/PRIMARY KEY \("WINDOW_START", "WINDOW_NAME", "EVENT_TYPE", "GROUP_KEY"\)\)$/);
    expect(tables[2]).toMatch(/^CREATE TABLE IF NOT EXISTS "ANALYTICS"\."AGGREGATED_EVENT_VERSIONS" .*PRIMARY KEY \("WINDOW_START", "WINDOW_NAME", "EVENT_TYPE", "GROUP_KEY", "VERSION"\)\)$/);
  });

  it('stages rows with array binds in column order, then MERGEs the three tables in one transaction (fake connection)', async () => {
    const session = new RecordingSession();
    const loader = new WarehouseLoader(new SnowflakeAdapter(session));
    await loader.start();
    session.statements.length = 0;
    // Two versions of one aggregate in a batch: only the higher one is staged for the table, both for the history.
    const prepared = await loader.prepare([rawRecord(10, 'e-1'), rawRecord(11, 'e-1'), aggregateRecord(5, { version: 1 }), aggregateRecord(6, { version: 3, count: 9 })]);
    await loader.write(prepared, [{ consumerGroup: 'g', topic: 'events.aggregated', partition: 0, nextOffset: 7 }]);

    expect(session.kinds()).toEqual([
      'CREATE OR REPLACE TEMPORARY',
      'INSERT INTO',
      'CREATE OR REPLACE TEMPORARY',
      'INSERT INTO',
      'CREATE OR REPLACE TEMPORARY',
      'INSERT INTO',
      'BEGIN',
      'MERGE INTO',
      'MERGE INTO',
      'MERGE INTO',
      'COMMIT',
    ]);
    const inserts = session.statements.filter((s) => s.sql.startsWith('INSERT INTO'));
    expect(inserts[0].sql).toMatch(/^INSERT INTO "SINK_STAGE_RAW_EVENTS" \("EVENT_ID", "TIMESTAMP", .*\) VALUES \(\?(, \?)+\)$/);
    const rawBinds = inserts[0].binds as unknown[][];
    expect(rawBinds).toHaveLength(1);
    // event_id, timestamp (epoch ms), event_type, user_id, device_id, trace_id, payload (JSON text), metadata, topic, partition, offset, schema_id, ingestion_time
    expect(rawBinds[0]).toEqual(['e-1', 1_767_261_601_000, 'clickstream', 'u-1', null, 't-1', '{"page":"/a","action":"view","duration_ms":5}', null, 'events.clickstream', 0, 10, 3, 1_767_261_720_000]);
    const aggBinds = inserts[1].binds as unknown[][];
    expect(aggBinds).toHaveLength(1);
    const spec = baseTableSpec('analytics.aggregated_events');
    const row = Object.fromEntries(spec.columns.map((c, i) => [c.name, aggBinds[0][i]]));
    expect(row).toMatchObject({ version: 3, count: 9, offset: 6, window_start: 1_767_261_600_000, group_key: 'dev-1' });
    const history = (inserts[2].binds as unknown[][]).map((b) => Object.fromEntries(spec.columns.map((c, i) => [c.name, b[i]])));
    expect(history.map((h) => h.version)).toEqual([1, 3]);
    // History rows are only ever inserted (a version never changes).
    const historyMerge = session.statements.find((s) => s.sql.startsWith('MERGE INTO "ANALYTICS"."AGGREGATED_EVENT_VERSIONS"'))!.sql;
    expect(historyMerge).toMatch(/ON .*t\."VERSION" = s\."VERSION"/);
    expect(historyMerge).not.toMatch(/WHEN MATCHED/);
    // Offsets are not written to Snowflake: the Kafka commit after the MERGE is the position.
    expect(session.statements.some((s) => /OFFSETS/i.test(s.sql))).toBe(false);
    expect(await loader.readOffsets('g')).toEqual([]);
  });

  it('a failing MERGE rolls back and rejects, so the caller never commits offsets for it (fake connection)', async () => {
    const session = new RecordingSession();
    const adapter = new SnowflakeAdapter(session);
    const loader = new WarehouseLoader(adapter);
    await loader.start();
    session.failOn = { pattern: /^MERGE INTO "ANALYTICS"/, error: Object.assign(new Error('Numeric value out of range'), { code: 100038 }) };
    session.statements.length = 0;
    const prepared = await loader.prepare([rawRecord(1, 'e-1'), aggregateRecord(2)]);
    await expect(loader.write(prepared, [])).rejects.toThrow('Numeric value out of range');
    expect(session.kinds().slice(-4)).toEqual(['BEGIN', 'MERGE INTO', 'MERGE INTO', 'ROLLBACK']);
    expect(session.statements.some((s) => s.sql === 'COMMIT')).toBe(false);
    expect(adapter.isTransient(session.failOn.error)).toBe(false);
  });

  it('network and driver-communication errors are transient, SQL errors are not (fake connection)', () => {
    const adapter = new SnowflakeAdapter(new RecordingSession());
    expect(adapter.isTransient(Object.assign(new Error('Network error'), { code: 401001 }))).toBe(true);
    expect(adapter.isTransient(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(adapter.isTransient(Object.assign(new Error('SQL compilation error'), { code: 2003, sqlState: '42S02' }))).toBe(false);
  });

  it('a new optional field adds a nullable column with ALTER TABLE ... ADD COLUMN IF NOT EXISTS, then stages and merges it (fake connection)', async () => {
    const session = new RecordingSession();
    const loader = new WarehouseLoader(new SnowflakeAdapter(session));
    await loader.start();
    // After the ALTER, INFORMATION_SCHEMA reports the new column.
    const base = baseTableSpec('analytics.aggregated_events').columns;
    session.columns = { aggregated_events: [...base, { name: 'retracted', type: 'boolean', nullable: true }] };
    session.statements.length = 0;
    const after = session;
    const extras = [{ field: 'retracted', name: 'retracted', type: 'boolean' as const, nullable: true }];
    const prepared = await loader.prepare([aggregateRecord(1, { retracted: true }, extras), aggregateRecord(2, { group_key: 'dev-2', retracted: false }, extras)]);
    // The history table has retracted as a fixed column: only the current table needs it added.
    expect(after.sqlOf(/^ALTER TABLE/)).toEqual(['ALTER TABLE "ANALYTICS"."AGGREGATED_EVENTS" ADD COLUMN IF NOT EXISTS "RETRACTED" BOOLEAN']);
    await loader.write(prepared, []);
    const merge = after.sqlOf(/^MERGE INTO "ANALYTICS"/)[0];
    expect(merge).toContain('"RETRACTED" = s."RETRACTED"');
    expect(merge).toMatch(/INSERT \([^)]*"RETRACTED"\) VALUES \([^)]*s\."RETRACTED"\)$/);
    const staged = after.statements.find((s) => s.sql.startsWith('INSERT INTO "SINK_STAGE_ANALYTICS_AGGREGATED_EVENTS"'))!;
    const values = staged.binds as unknown[][];
    expect(values.map((v) => v[v.length - 1])).toEqual([true, false]);
  });

  it('close closes the connection (fake connection)', async () => {
    const session = new RecordingSession();
    await new SnowflakeAdapter(session).close();
    expect(session.closed).toBe(true);
  });

  it('transient codes: driver codes 401000 to 402999 and SQL states 08xxx, nothing around them (fake connection)', () => {
    const adapter = new SnowflakeAdapter(new RecordingSession());
    const transient = (e: unknown) => adapter.isTransient(e);
    expect([400999, 401000, 402999, 403000].map((code) => transient(Object.assign(new Error('x'), { code })))).toEqual([false, true, true, false]);
    expect(transient(Object.assign(new Error('x'), { code: '401002' }))).toBe(true);
    expect(transient(Object.assign(new Error('x'), { sqlState: '08001' }))).toBe(true);
    expect(transient(Object.assign(new Error('x'), { sqlState: '10800' }))).toBe(false);
    expect(transient(null)).toBe(false);
  });

  it('describes columns in lower case from upper-case names, nullable only when YES (fake connection)', async () => {
    const session = new RecordingSession();
    session.columns = { events: [{ name: 'event_id', type: 'string', nullable: false }, { name: 'region', type: 'boolean', nullable: true }] };
    const columns = await new SnowflakeAdapter(session).describeColumns('raw.events');
    expect(columns).toEqual([
      { name: 'event_id', type: 'string', nullable: false },
      { name: 'region', type: 'boolean', nullable: true },
    ]);
    expect(session.statements[0].binds).toEqual(['RAW', 'EVENTS']);
  });

  it('stores no offsets, writes nothing for no rows, and stages large batches in inserts of 10,000 rows (fake connection)', async () => {
    const session = new RecordingSession();
    const adapter = new SnowflakeAdapter(session);
    expect(adapter.storesOffsets).toBe(false);
    await expect(adapter.readOffsets('g')).resolves.toEqual([]);
    await adapter.write([], [{ consumerGroup: 'g', topic: 't', partition: 0, nextOffset: 1 }]);
    expect(session.statements).toEqual([]);
    const spec = baseTableSpec('raw.events');
    const rows = Array.from({ length: 10_001 }, (_, i) => ({ event_id: `e${i}` }));
    await adapter.write([{ spec, rows }], []);
    const inserts = session.statements.filter((s) => s.sql.startsWith('INSERT INTO "SINK_STAGE_RAW_EVENTS"'));
    expect(inserts.map((s) => (s.binds as unknown[][]).length)).toEqual([10_000, 1]);
  });
});
