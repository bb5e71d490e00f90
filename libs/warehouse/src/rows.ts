/**
 * Row mapping: a decoded Kafka record (an event envelope or an aggregate) plus where it came from,
 * turned into a row of column values (seed 003 property 14: every required column is present).
 * Timestamps are epoch milliseconds, JSON columns are text. Pure: no I/O.
 */
import { ColumnType, ExtraColumn, TableName, toColumnValue } from './columns';

export interface RecordOrigin {
  topic: string;
  partition: number;
  offset: number;
  /** The Kafka record timestamp (epoch ms). */
  timestamp: number;
  schemaId: number;
}

/** A row keyed by column name. */
export type Row = Record<string, unknown>;

export interface MappedRow {
  table: TableName;
  row: Row;
  /** The extra columns this row's schema has (empty for the base schema). */
  extras: ExtraColumn[];
  /** Event time (ms) used for lake partitioning: the event's timestamp or the window start. */
  eventTime: number;
}

export class RowMappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RowMappingError';
  }
}

function requireString(value: Record<string, unknown>, field: string): string {
  const v = value[field];
  if (typeof v !== 'string' || v.length === 0) throw new RowMappingError(`field ${field} is missing or not a string`);
  return v;
}

/** Like requireString, but an empty string is a valid value (an aggregate over no group). */
function requireText(value: Record<string, unknown>, field: string): string {
  const v = value[field];
  if (typeof v !== 'string') throw new RowMappingError(`field ${field} is missing or not a string`);
  return v;
}

function requireNumber(value: Record<string, unknown>, field: string): number {
  const v = value[field];
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new RowMappingError(`field ${field} is missing or not a number`);
  return n;
}

function optionalString(value: Record<string, unknown>, field: string): string | null {
  const v = value[field];
  return v === null || v === undefined ? null : String(v);
}

function optionalNumber(value: Record<string, unknown>, field: string): number | null {
  const v = value[field];
  if (v === null || v === undefined) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function fillExtras(row: Row, value: Record<string, unknown>, extras: ExtraColumn[], columnTypes?: ReadonlyMap<string, ColumnType>): void {
  for (const extra of extras) {
    // An existing column keeps its type; the value is converted to it.
    row[extra.name] = toColumnValue(value[extra.field], columnTypes?.get(extra.name) ?? extra.type);
  }
}

export function mapRawEvent(value: Record<string, unknown>, origin: RecordOrigin, extras: ExtraColumn[] = [], columnTypes?: ReadonlyMap<string, ColumnType>): MappedRow {
  const timestamp = requireNumber(value, 'timestamp');
  const payload = value.payload;
  if (payload === null || typeof payload !== 'object') throw new RowMappingError('field payload is missing or not a record');
  const metadata = value.metadata;
  const row: Row = {
    event_id: requireString(value, 'event_id'),
    timestamp: Math.trunc(timestamp),
    event_type: requireString(value, 'event_type'),
    user_id: optionalString(value, 'user_id'),
    device_id: optionalString(value, 'device_id'),
    trace_id: optionalString(value, 'trace_id'),
    payload: toColumnValue(payload, 'json'),
    metadata: metadata === null || metadata === undefined ? null : toColumnValue(metadata, 'json'),
    topic: origin.topic,
    partition: origin.partition,
    offset: origin.offset,
    schema_id: origin.schemaId,
    ingestion_time: Math.trunc(origin.timestamp),
  };
  fillExtras(row, value, extras, columnTypes);
  return { table: 'raw.events', row, extras, eventTime: row.timestamp as number };
}

export function mapAggregate(value: Record<string, unknown>, origin: RecordOrigin, extras: ExtraColumn[] = [], columnTypes?: ReadonlyMap<string, ColumnType>): MappedRow {
  const windowStart = Math.trunc(requireNumber(value, 'window_start'));
  const isFinal = value.is_final;
  const row: Row = {
    window_start: windowStart,
    window_end: Math.trunc(requireNumber(value, 'window_end')),
    window_name: requireString(value, 'window_name'),
    window_kind: requireString(value, 'window_kind'),
    event_type: requireString(value, 'event_type'),
    group_key: requireText(value, 'group_key'),
    count: Math.trunc(requireNumber(value, 'count')),
    sum_value: optionalNumber(value, 'sum_value'),
    avg_value: optionalNumber(value, 'avg_value'),
    min_value: optionalNumber(value, 'min_value'),
    max_value: optionalNumber(value, 'max_value'),
    distinct_users: Math.trunc(requireNumber(value, 'distinct_users')),
    version: Math.trunc(requireNumber(value, 'version')),
    is_final: typeof isFinal === 'boolean' ? isFinal : true,
    processed_time: Math.trunc(requireNumber(value, 'processed_time')),
    topic: origin.topic,
    partition: origin.partition,
    offset: origin.offset,
    schema_id: origin.schemaId,
  };
  fillExtras(row, value, extras, columnTypes);
  return { table: 'analytics.aggregated_events', row, extras, eventTime: windowStart };
}
