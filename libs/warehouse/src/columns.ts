/**
 * The column model shared by the warehouse adapters and the lake: two tables with fixed columns
 * (seed 003's raw.events and analytics.aggregated_events, plus Kafka coordinates) and the rule that
 * turns a new optional top-level field of a newer schema version into a new nullable column.
 * Pure: no I/O.
 */

/** Logical column types; each adapter maps them to its SQL types. */
export type ColumnType = 'string' | 'bigint' | 'integer' | 'double' | 'boolean' | 'timestamp' | 'json';

export interface ColumnDef {
  name: string;
  type: ColumnType;
  nullable: boolean;
}

/** An extra column and the top-level record field it is filled from. */
export interface ExtraColumn extends ColumnDef {
  field: string;
}

export type TableName = 'raw.events' | 'analytics.aggregated_events' | 'analytics.aggregated_event_versions';

/** How a row whose key already exists is treated. */
export type ConflictRule = { kind: 'keep-existing' } | { kind: 'newer-version-wins'; versionColumn: string };

export interface TableSpec {
  name: TableName;
  schema: string;
  table: string;
  key: string[];
  conflict: ConflictRule;
  /** Fixed columns first, then any extra columns in the order they were added. */
  columns: ColumnDef[];
}

const col = (name: string, type: ColumnType, nullable = true): ColumnDef => ({ name, type, nullable });

/** raw.events: one row per event_id; the first copy that lands is kept (an event is immutable). */
export const RAW_EVENTS_COLUMNS: readonly ColumnDef[] = [
  col('event_id', 'string', false),
  col('timestamp', 'timestamp', false),
  col('event_type', 'string', false),
  col('user_id', 'string'),
  col('device_id', 'string'),
  col('trace_id', 'string'),
  col('payload', 'json', false),
  col('metadata', 'json'),
  col('topic', 'string', false),
  col('partition', 'integer', false),
  col('offset', 'bigint', false),
  col('schema_id', 'integer', false),
  /** When the platform accepted the event: the Kafka record's timestamp (deterministic on replay). */
  col('ingestion_time', 'timestamp', false),
];

/** analytics.aggregated_events: one row per (window_start, window_name, event_type, group_key), highest version kept. */
export const AGGREGATED_EVENTS_COLUMNS: readonly ColumnDef[] = [
  col('window_start', 'timestamp', false),
  col('window_end', 'timestamp', false),
  col('window_name', 'string', false),
  col('window_kind', 'string', false),
  col('event_type', 'string', false),
  col('group_key', 'string', false),
  col('count', 'bigint', false),
  col('sum_value', 'double'),
  col('avg_value', 'double'),
  col('min_value', 'double'),
  col('max_value', 'double'),
  col('distinct_users', 'bigint', false),
  col('version', 'integer', false),
  col('is_final', 'boolean', false),
  col('processed_time', 'timestamp', false),
  col('topic', 'string', false),
  col('partition', 'integer', false),
  col('offset', 'bigint', false),
  col('schema_id', 'integer', false),
];

/** Top-level fields of the event envelope that have fixed columns (everything else becomes an extra column). */
export const ENVELOPE_FIELDS: ReadonlySet<string> = new Set(['event_id', 'timestamp', 'event_type', 'user_id', 'device_id', 'trace_id', 'payload', 'metadata']);
export const AGGREGATE_FIELDS: ReadonlySet<string> = new Set(
  AGGREGATED_EVENTS_COLUMNS.map((c) => c.name).filter((n) => !['topic', 'partition', 'offset', 'schema_id'].includes(n)),
);

/** Every table also has this column, filled by the database when the row is written. */
export const LOADED_AT_COLUMN = 'loaded_at';

export function baseTableSpec(name: TableName): TableSpec {
  if (name === 'raw.events') {
    return { name, schema: 'raw', table: 'events', key: ['event_id'], conflict: { kind: 'keep-existing' }, columns: [...RAW_EVENTS_COLUMNS] };
  }
  if (name === 'analytics.aggregated_event_versions') {
    // Every version ever committed (corrections, final copies, retractions), for point-in-time reads.
    return {
      name,
      schema: 'analytics',
      table: 'aggregated_event_versions',
      key: ['window_start', 'window_name', 'event_type', 'group_key', 'version'],
      conflict: { kind: 'keep-existing' },
      // retracted is fixed here (an extra column on aggregated_events), so the timeline view can name it.
      columns: [...AGGREGATED_EVENTS_COLUMNS, col('retracted', 'boolean')],
    };
  }
  return {
    name,
    schema: 'analytics',
    table: 'aggregated_events',
    key: ['window_start', 'window_name', 'event_type', 'group_key'],
    conflict: { kind: 'newer-version-wins', versionColumn: 'version' },
    columns: [...AGGREGATED_EVENTS_COLUMNS],
  };
}

export function knownFieldsOf(table: TableName): ReadonlySet<string> {
  return table === 'raw.events' ? ENVELOPE_FIELDS : AGGREGATE_FIELDS;
}

/** Column names every table reserves, so an extra field can never shadow one. */
function reservedNames(table: TableName): Set<string> {
  return new Set([...baseTableSpec(table).columns.map((c) => c.name), LOADED_AT_COLUMN]);
}

/** A field name as a portable, lower-case SQL identifier; a name that would clash gets a `field_` prefix. */
export function columnNameForField(field: string, table: TableName): string {
  let name = field
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (name === '' || /^[0-9]/.test(name)) name = `field_${name}`;
  if (reservedNames(table).has(name)) name = `field_${name}`;
  return name.slice(0, 63);
}

type AvroSchema = string | { type?: unknown; logicalType?: string; [key: string]: unknown } | AvroSchema[];

/** The column type for an Avro field type; an optional union ["null", T] maps to T's column, nullable. */
export function columnTypeForAvro(schema: AvroSchema): ColumnType {
  if (Array.isArray(schema)) {
    const branches = schema.filter((b) => b !== 'null');
    return branches.length === 1 ? columnTypeForAvro(branches[0]) : 'json';
  }
  if (typeof schema === 'string') {
    switch (schema) {
      case 'string':
      case 'bytes':
        return 'string';
      case 'int':
        return 'integer';
      case 'long':
        return 'bigint';
      case 'float':
      case 'double':
        return 'double';
      case 'boolean':
        return 'boolean';
      default:
        return 'json';
    }
  }
  if (schema && typeof schema === 'object') {
    if (schema.logicalType === 'timestamp-millis' || schema.logicalType === 'timestamp-micros') return 'timestamp';
    if (schema.type === 'enum') return 'string';
    if (typeof schema.type === 'string' && !['record', 'map', 'array', 'fixed'].includes(schema.type)) return columnTypeForAvro(schema.type);
    if (Array.isArray(schema.type)) return columnTypeForAvro(schema.type as AvroSchema[]);
  }
  return 'json';
}

/**
 * The extra columns a record schema asks for: each top-level field the table has no fixed column for
 * becomes a nullable column named after the field. Nested fields (payload.*) stay inside the JSON column.
 */
export function extraColumnsForSchema(schemaJson: unknown, table: TableName): ExtraColumn[] {
  const record = schemaJson as { type?: string; fields?: Array<{ name: string; type: AvroSchema }> };
  if (!record || record.type !== 'record' || !Array.isArray(record.fields)) return [];
  const known = knownFieldsOf(table);
  return record.fields
    .filter((f) => !known.has(f.name))
    .map((f) => ({ field: f.name, name: columnNameForField(f.name, table), type: columnTypeForAvro(f.type), nullable: true }));
}

/**
 * A value converted to what a column of `type` holds (timestamps as epoch ms, JSON as text); a value
 * that cannot be represented becomes null rather than failing the batch.
 */
export function toColumnValue(value: unknown, type: ColumnType): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'string':
      if (typeof value === 'string') return value;
      if (Buffer.isBuffer(value)) return value.toString('base64');
      if (typeof value === 'object') return JSON.stringify(value, jsonReplacer);
      return String(value);
    case 'bigint':
    case 'integer':
    case 'timestamp': {
      const n = typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : value instanceof Date ? value.getTime() : Number(value);
      if (!Number.isFinite(n)) return null;
      return Math.trunc(n);
    }
    case 'double': {
      const n = typeof value === 'number' ? value : Number(value);
      return Number.isFinite(n) ? n : null;
    }
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'json':
      return JSON.stringify(value, jsonReplacer);
  }
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return Buffer.from((value as { data: number[] }).data).toString('base64');
  }
  return value;
}

/** A column type from what a database reports in information_schema. */
export function columnTypeFromSql(dataType: string): ColumnType {
  const t = dataType.toLowerCase();
  if (t.startsWith('timestamp')) return 'timestamp';
  if (t === 'json' || t === 'jsonb' || t === 'variant' || t === 'object' || t === 'array') return 'json';
  if (t === 'bigint' || t === 'int8' || t === 'hugeint') return 'bigint';
  if (t === 'integer' || t === 'int' || t === 'int4' || t === 'smallint' || t === 'tinyint') return 'integer';
  if (t === 'number' || t.startsWith('numeric') || t.startsWith('decimal')) return 'bigint';
  if (t === 'double' || t === 'double precision' || t === 'float' || t === 'float8' || t === 'real' || t === 'float4') return 'double';
  if (t === 'boolean' || t === 'bool') return 'boolean';
  return 'string';
}
