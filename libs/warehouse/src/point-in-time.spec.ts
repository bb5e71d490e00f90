import { pointInTimeSql, timelineViewSql } from './point-in-time';
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
