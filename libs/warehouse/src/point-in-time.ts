/**
 * Point-in-time reads of the aggregates, for training sets: for an entity row (event type, group
 * key, as_of) the aggregates as they were known at as_of, so nothing from after it leaks in.
 *
 * `analytics.aggregated_event_versions` keeps every committed version. The view
 * `analytics.aggregate_timeline` gives each version the interval in which it was the known one:
 * from when it was both emitted and its window had ended (`known_from` = the later of
 * processed_time and window_end) until the next version was emitted (`known_until`, null for the
 * latest). The entity query joins entity rows to the timeline and keeps, per window name, the
 * latest window that was known and not retracted at as_of. One text per dialect (DuckDB,
 * PostgreSQL, Snowflake), differing only in identifier case. Pure: no I/O.
 */
import { quoteIdent } from './sql';

export type SqlDialect = 'duckdb' | 'postgres' | 'snowflake';

/** Columns of every answer row after the entity's own (entity_row, event_type, group_key, as_of). */
export const POINT_IN_TIME_COLUMNS = [
  'window_name',
  'window_kind',
  'window_start',
  'window_end',
  'count',
  'sum_value',
  'avg_value',
  'min_value',
  'max_value',
  'distinct_users',
  'version',
  'is_final',
  'processed_time',
] as const;

const ident = (dialect: SqlDialect) => (name: string) => quoteIdent(dialect === 'snowflake' ? name.toUpperCase() : name);

export function timelineViewSql(dialect: SqlDialect): string {
  const q = ident(dialect);
  const versions = `${q('analytics')}.${q('aggregated_event_versions')}`;
  const window = ['event_type', 'group_key', 'window_name', 'window_start'].map(q).join(', ');
  const columns = ['event_type', 'group_key', ...POINT_IN_TIME_COLUMNS].map(q).join(', ');
  return (
    `CREATE OR REPLACE VIEW ${q('analytics')}.${q('aggregate_timeline')} AS ` +
    `SELECT ${columns}, COALESCE(${q('retracted')}, FALSE) AS ${q('retracted')}, ` +
    `CASE WHEN ${q('processed_time')} > ${q('window_end')} THEN ${q('processed_time')} ELSE ${q('window_end')} END AS ${q('known_from')}, ` +
    `LEAD(${q('processed_time')}) OVER (PARTITION BY ${window} ORDER BY ${q('version')}) AS ${q('known_until')} ` +
    `FROM ${versions}`
  );
}

/**
 * The aggregates known at each entity row's as_of, one row per (entity row, window name) that had
 * a window by then. `entities` is a relation (table, view or subquery in parentheses with an alias)
 * with columns event_type, group_key and as_of (a timestamp of the warehouse's timestamp type).
 */
export function pointInTimeSql(dialect: SqlDialect, entities: string): string {
  const q = ident(dialect);
  const timeline = `${q('analytics')}.${q('aggregate_timeline')}`;
  const picked = POINT_IN_TIME_COLUMNS.map((c) => `t.${q(c)}`).join(', ');
  const out = POINT_IN_TIME_COLUMNS.map((c) => `k.${q(c)}`).join(', ');
  return (
    `WITH e AS (SELECT ROW_NUMBER() OVER (ORDER BY ${q('event_type')}, ${q('group_key')}, ${q('as_of')}) AS ${q('entity_row')}, ${q('event_type')}, ${q('group_key')}, ${q('as_of')} FROM ${entities}), ` +
    `k AS (SELECT e.${q('entity_row')}, e.${q('event_type')}, e.${q('group_key')}, e.${q('as_of')}, ${picked}, ` +
    `ROW_NUMBER() OVER (PARTITION BY e.${q('entity_row')}, t.${q('window_name')} ORDER BY t.${q('window_start')} DESC) AS ${q('window_rank')} ` +
    `FROM e JOIN ${timeline} t ON t.${q('event_type')} = e.${q('event_type')} AND t.${q('group_key')} = e.${q('group_key')} ` +
    `AND t.${q('known_from')} <= e.${q('as_of')} AND (t.${q('known_until')} IS NULL OR t.${q('known_until')} > e.${q('as_of')}) AND NOT t.${q('retracted')}) ` +
    `SELECT k.${q('entity_row')}, k.${q('event_type')}, k.${q('group_key')}, k.${q('as_of')}, ${out} FROM k WHERE k.${q('window_rank')} = 1 ` +
    `ORDER BY k.${q('entity_row')}, k.${q('window_name')}`
  );
}
