import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDbAdapter } from './duckdb-adapter';
import { LoadRecord, WarehouseLoader } from './loader';
import { POINT_IN_TIME_COLUMNS, pointInTimeSql, timelineViewSql } from './point-in-time';
import { SnowflakeAdapter, SqlSession } from './snowflake-adapter';

/** A fake Snowflake connection that records statements. */
class RecordingSession implements SqlSession {
  readonly statements: string[] = [];
  async execute(sql: string): Promise<Array<Record<string, unknown>>> {
    this.statements.push(sql);
    return [];
  }
  async close(): Promise<void> {}
}

describe('point-in-time SQL', () => {
  it('the Snowflake adapter creates the timeline view over the version history, upper-case identifiers (fake connection)', async () => {
    const session = new RecordingSession();
    await new SnowflakeAdapter(session).init();
    const view = session.statements.find((s) => s.startsWith('CREATE OR REPLACE VIEW'));
    expect(view).toBe(timelineViewSql('snowflake'));
    expect(view).toMatch(/^CREATE OR REPLACE VIEW "ANALYTICS"\."AGGREGATE_TIMELINE" AS SELECT .*COALESCE\("RETRACTED", FALSE\) AS "RETRACTED"/);
    expect(view).toMatch(/LEAD\("PROCESSED_TIME"\) OVER \(PARTITION BY "EVENT_TYPE", "GROUP_KEY", "WINDOW_NAME", "WINDOW_START" ORDER BY "VERSION"\) AS "KNOWN_UNTIL" FROM "ANALYTICS"\."AGGREGATED_EVENT_VERSIONS"$/);
    // The view comes after the table it reads.
    expect(session.statements.findIndex((s) => s.includes('"AGGREGATED_EVENT_VERSIONS" ('))).toBeLessThan(session.statements.indexOf(view!));
  });

  it('the entity query keeps only what was known and not retracted at as_of, in each dialect', () => {
    const snowflake = pointInTimeSql('snowflake', 'TRAINING.ENTITY_ROWS');
    expect(snowflake).toContain('t."KNOWN_FROM" <= e."AS_OF" AND (t."KNOWN_UNTIL" IS NULL OR t."KNOWN_UNTIL" > e."AS_OF") AND NOT t."RETRACTED"');
    expect(snowflake).toContain('JOIN "ANALYTICS"."AGGREGATE_TIMELINE" t');
    expect(snowflake).not.toMatch(/"[a-z_]+"/);
    const postgres = pointInTimeSql('postgres', 'entity_rows');
    expect(postgres).toContain('t."known_from" <= e."as_of"');
    expect(postgres).toBe(pointInTimeSql('duckdb', 'entity_rows'));
  });
});

describe('point-in-time answers (real DuckDB file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'point-in-time-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** One aggregate version: window start and end, when it was emitted, its count (to recognise it), retracted or not. */
  const version = (window_name: string, window_start: number, window_end: number, version: number, processed_time: number, count: number, retracted?: boolean): LoadRecord => ({
    kind: 'aggregate',
    value: { window_start, window_end, window_name, window_kind: 'tumbling', event_type: 'x', group_key: 'g', count, distinct_users: 1, version, processed_time, is_final: false, ...(retracted === undefined ? {} : { retracted }) },
    origin: { topic: 'events.aggregated', partition: 0, offset: count, timestamp: processed_time, schemaId: 1 },
    extras: retracted === undefined ? [] : [{ field: 'retracted', name: 'retracted', type: 'boolean', nullable: true }],
    ref: count,
  });

  it('answers, per entity row and window name, the latest window known and not retracted at as_of', async () => {
    const path = join(dir, 'warehouse.duckdb');
    const loader = new WarehouseLoader(new DuckDbAdapter({ path, holdOpen: true }));
    await loader.start();
    const history = [
      version('tumbling_1m', 0, 60_000, 1, 61_000, 1),
      version('session_30m', 0, 60_000, 1, 70_000, 10, false),
      version('session_30m', 0, 60_000, 2, 90_000, 11, true),
      version('tumbling_1m', 60_000, 120_000, 1, 125_000, 3),
      // Emitted before its window ended: known only from the window's end.
      version('tumbling_1m', 120_000, 180_000, 1, 150_000, 5),
      version('tumbling_1m', 120_000, 180_000, 2, 190_000, 6),
      version('tumbling_1m', 0, 60_000, 2, 200_000, 2),
    ];
    for (const record of history) await loader.write(await loader.prepare([record]), []);
    await loader.close();
    const asOf = [
      ['g', 60_500],
      ['g', 80_000],
      ['g', 100_000],
      ['g', 130_000],
      ['g', 170_000],
      ['g', 185_000],
      ['g', 195_000],
      ['h', 130_000],
    ];
    const entities = `(VALUES ${asOf.map(([key, at]) => `('x', '${key}', epoch_ms(${at}))`).join(', ')}) AS ents(event_type, group_key, as_of)`;
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    try {
      const result = await connection.runAndReadAll(pointInTimeSql('duckdb', entities));
      expect(result.columnNames()).toEqual(['entity_row', 'event_type', 'group_key', 'as_of', ...POINT_IN_TIME_COLUMNS]);
      const rows = result.getRowObjects().map((r) => [Number(r.entity_row), r.group_key, r.window_name, Number(r.count), Number(r.version)]);
      expect(rows).toEqual([
        [2, 'g', 'session_30m', 10, 1],
        [2, 'g', 'tumbling_1m', 1, 1],
        [3, 'g', 'tumbling_1m', 1, 1],
        [4, 'g', 'tumbling_1m', 3, 1],
        [5, 'g', 'tumbling_1m', 3, 1],
        [6, 'g', 'tumbling_1m', 5, 1],
        [7, 'g', 'tumbling_1m', 6, 2],
      ]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
