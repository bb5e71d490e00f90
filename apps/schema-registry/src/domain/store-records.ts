/**
 * The records of the schemas topic: every state change is one keyed record, so a compacted topic
 * (the last record per key) still rebuilds the whole state. Keys are JSON in a fixed attribute order,
 * so the same logical key is always the same bytes (compaction compares bytes). The layout follows
 * Confluent's own `_schemas` records (keytype SCHEMA / CONFIG / MODE / NOOP).
 */
import { CompatibilityLevel } from '../compatibility/avro-compatibility';

export interface SchemaReference {
  name: string;
  subject: string;
  version: number;
}

export interface SchemaValue {
  subject: string;
  version: number;
  id: number;
  schemaType: 'AVRO';
  schema: string;
  references: SchemaReference[];
  deleted: boolean;
}

export type StoreKey =
  | { keytype: 'SCHEMA'; subject: string; version: number }
  | { keytype: 'CONFIG'; subject: string | null }
  | { keytype: 'MODE'; subject: string | null }
  /** The highest id ever assigned, written before a hard delete so ids are never reused after compaction. */
  | { keytype: 'ID_HIGH_WATER' }
  | { keytype: 'NOOP' };

export interface ConfigValue {
  compatibilityLevel: CompatibilityLevel;
}

export interface ModeValue {
  mode: string;
}

export interface IdHighWaterValue {
  maxId: number;
}

export type StoreValue = SchemaValue | ConfigValue | ModeValue | IdHighWaterValue;

/** One record to write: a null value is a tombstone (hard delete of that key). */
export interface StoreRecord {
  key: StoreKey;
  value: StoreValue | null;
}

export function encodeKey(key: StoreKey): string {
  switch (key.keytype) {
    case 'SCHEMA':
      return JSON.stringify({ keytype: 'SCHEMA', subject: key.subject, version: key.version, magic: 1 });
    case 'CONFIG':
    case 'MODE':
      return JSON.stringify({ keytype: key.keytype, subject: key.subject, magic: 0 });
    default:
      return JSON.stringify({ keytype: key.keytype, magic: 0 });
  }
}

export function encodeValue(value: StoreValue | null): string | null {
  return value === null ? null : JSON.stringify(value);
}

export const schemaKey = (subject: string, version: number): StoreKey => ({ keytype: 'SCHEMA', subject, version });
export const configKey = (subject: string | null): StoreKey => ({ keytype: 'CONFIG', subject });
export const modeKey = (subject: string | null): StoreKey => ({ keytype: 'MODE', subject });
export const ID_HIGH_WATER_KEY: StoreKey = { keytype: 'ID_HIGH_WATER' };

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const isPositiveInt = (value: unknown): value is number => Number.isInteger(value) && (value as number) > 0;

/** Parses a key; undefined for anything this registry does not understand (such records are skipped). */
export function decodeKey(raw: string): StoreKey | undefined {
  const parsed = decodeJsonObject(raw);
  if (!parsed) return undefined;
  switch (parsed.keytype) {
    case 'SCHEMA':
      return typeof parsed.subject === 'string' && isPositiveInt(parsed.version) ? schemaKey(parsed.subject, parsed.version) : undefined;
    case 'CONFIG':
    case 'MODE': {
      const subject = parsed.subject ?? null;
      if (subject !== null && typeof subject !== 'string') return undefined;
      return { keytype: parsed.keytype, subject };
    }
    case 'ID_HIGH_WATER':
    case 'NOOP':
      return { keytype: parsed.keytype };
    default:
      return undefined;
  }
}

function isReference(value: unknown): value is SchemaReference {
  return isObject(value) && typeof value.name === 'string' && typeof value.subject === 'string' && Number.isInteger(value.version);
}

export function decodeSchemaValue(raw: string): SchemaValue | undefined {
  const parsed = decodeJsonObject(raw);
  if (!parsed) return undefined;
  const { subject, version, id, schema, references, deleted, schemaType } = parsed;
  if (typeof subject !== 'string' || !isPositiveInt(version) || !isPositiveInt(id) || typeof schema !== 'string') return undefined;
  if (schemaType !== undefined && schemaType !== 'AVRO') return undefined;
  const refs = references === undefined || references === null ? [] : references;
  if (!Array.isArray(refs) || !refs.every(isReference)) return undefined;
  return { subject, version, id, schemaType: 'AVRO', schema, references: refs, deleted: deleted === true };
}

/** A JSON object, or undefined for anything else (not JSON, or JSON of another kind). */
export function decodeJsonObject(raw: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(raw);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
