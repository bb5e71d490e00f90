/**
 * Validates a JSON event against its Avro type and turns it into the value avsc encodes:
 * fills declared defaults, accepts ISO-8601 or epoch-ms timestamps, rejects unknown fields, and
 * reports every problem with its field path. Pure: no I/O.
 */
import * as avro from 'avsc';

export interface ValidationProblem {
  path: string;
  message: string;
}

export type ValidationResult<T = Record<string, unknown>> = { ok: true; value: T } | { ok: false; problems: ValidationProblem[] };

const MAX_DEPTH = 32;

function typeName(type: avro.Type): string {
  return (type as any).typeName ?? type.constructor.name;
}

// Per-type facts looked up on every value, computed once per type (schema() builds a new object each call).
const fieldNames = new WeakMap<avro.Type, ReadonlySet<string>>();
const logicalTypes = new WeakMap<avro.Type, string | undefined>();

function knownFields(record: avro.types.RecordType): ReadonlySet<string> {
  let known = fieldNames.get(record);
  if (!known) {
    known = new Set(record.fields.map((f) => f.name));
    fieldNames.set(record, known);
  }
  return known;
}

function logicalTypeOf(type: avro.Type): string | undefined {
  if (logicalTypes.has(type)) return logicalTypes.get(type);
  const logical = (type as any).schema?.()?.logicalType ?? (type as any)._logicalType;
  logicalTypes.set(type, logical);
  return logical;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * The longs avsc writes and reads back exactly. Its zigzag encoding doubles the magnitude in a
 * double: a negative below -2^52 becomes an odd number above 2^53, rounds, and reads back as a
 * different (positive) number. Values outside are refused rather than silently changed.
 */
export const LONG_MIN_EXACT = -(2 ** 52);
export const LONG_MAX_EXACT = 9007199254740990;
/** Largest finite 32-bit float: larger doubles would be written as Infinity. */
const FLOAT_MAX = 3.4028234663852886e38;
/** With the u flag paired surrogates are one code point: only a lone surrogate matches Cs. */
const LONE_SURROGATE = /\p{Cs}/u;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|([+-])(\d{2}):(\d{2}))$/;

/**
 * An RFC 3339 date-time as epoch ms, or undefined. Strict: every field in its range and the date
 * real (2024-02-30 is refused, never rolled over to March), no leap second, offset within ±23:59.
 */
export function parseRfc3339(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return undefined;
  let offsetMin = 0;
  if (m[9]) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const millis = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0;
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, millis);
  return utc.getTime() - offsetMin * 60_000;
}

/** Converts JSON-friendly input into avsc's value form, collecting problems instead of throwing. */
function coerce(type: avro.Type, value: unknown, path: string, problems: ValidationProblem[], depth: number): unknown {
  if (depth > MAX_DEPTH) {
    problems.push({ path, message: 'nested too deeply' });
    return value;
  }
  const kind = typeName(type);
  if (kind === 'record' || kind === 'error') {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      problems.push({ path, message: `expected an object, got ${describe(value)}` });
      return value;
    }
    const record = type as avro.types.RecordType;
    const input = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    const known = knownFields(record);
    for (const key of Object.keys(input)) {
      if (!known.has(key)) problems.push({ path: path ? `${path}.${key}` : key, message: 'unknown field' });
    }
    for (const field of record.fields) {
      const fieldPath = path ? `${path}.${field.name}` : field.name;
      let fieldValue = input[field.name];
      if (fieldValue === undefined) {
        const fallback = field.defaultValue();
        if (fallback === undefined) {
          problems.push({ path: fieldPath, message: 'required field is missing' });
          continue;
        }
        fieldValue = fallback;
      }
      out[field.name] = coerce(field.type, fieldValue, fieldPath, problems, depth + 1);
    }
    return out;
  }
  if (kind === 'union:unwrapped' || kind === 'union:wrapped') {
    const branches = (type as avro.types.UnwrappedUnionType).types;
    if (value === null && branches.some((b) => typeName(b) === 'null')) return null;
    for (const branch of branches) {
      if (typeName(branch) === 'null') continue;
      const attempt: ValidationProblem[] = [];
      const coerced = coerce(branch, value, path, attempt, depth + 1);
      if (attempt.length === 0 && branch.isValid(coerced)) return coerced;
    }
    problems.push({ path, message: `does not match any of ${branches.map((b) => typeName(b)).join(', ')}` });
    return value;
  }
  if (kind === 'array') {
    if (!Array.isArray(value)) {
      problems.push({ path, message: `expected an array, got ${describe(value)}` });
      return value;
    }
    const items = (type as avro.types.ArrayType).itemsType;
    return value.map((item, i) => coerce(items, item, `${path}[${i}]`, problems, depth + 1));
  }
  if (kind === 'map') {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      problems.push({ path, message: `expected an object, got ${describe(value)}` });
      return value;
    }
    const values = (type as avro.types.MapType).valuesType;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (LONE_SURROGATE.test(k)) problems.push({ path, message: 'a map key contains a lone UTF-16 surrogate (not valid Unicode)' });
      out[k] = coerce(values, v, `${path}.${k}`, problems, depth + 1);
    }
    return out;
  }
  if (kind === 'long' || kind === 'int') {
    const logical = logicalTypeOf(type);
    let candidate = value;
    // Timestamps may arrive as ISO-8601 strings; Avro carries epoch milliseconds.
    if (typeof value === 'string' && (logical === 'timestamp-millis' || path.endsWith('timestamp'))) {
      const parsed = parseRfc3339(value);
      if (parsed !== undefined) candidate = parsed;
    }
    if (!type.isValid(candidate)) {
      problems.push({ path, message: `expected ${kind === 'int' ? 'a 32-bit integer' : 'an integer'}${logical === 'timestamp-millis' ? ' (epoch ms) or ISO-8601 time' : ''}, got ${describe(value)}` });
    } else if (kind === 'long' && ((candidate as number) < LONG_MIN_EXACT || (candidate as number) > LONG_MAX_EXACT)) {
      problems.push({ path, message: `long out of the exactly representable range [${LONG_MIN_EXACT}, ${LONG_MAX_EXACT}]` });
    }
    return candidate;
  }
  if ((kind === 'float' || kind === 'double') && typeof value === 'number' && !(Number.isFinite(value) && (kind === 'double' || Math.abs(value) <= FLOAT_MAX))) {
    problems.push({ path, message: `expected a finite ${kind}, got ${value > 0 ? 'a number too large' : value < 0 ? 'a number too small' : 'NaN'}` });
    return value;
  }
  if (kind === 'string' && typeof value === 'string' && LONE_SURROGATE.test(value)) {
    // A lone UTF-16 surrogate has no UTF-8 form: writing it would put invalid UTF-8 on the topic.
    problems.push({ path, message: 'contains a lone UTF-16 surrogate (not valid Unicode)' });
    return value;
  }
  if (!type.isValid(value)) {
    if (kind === 'enum') {
      problems.push({ path, message: `must be one of ${(type as avro.types.EnumType).symbols.join(', ')}` });
    } else if (kind === 'float' || kind === 'double') {
      problems.push({ path, message: `expected a finite number, got ${describe(value)}` });
    } else {
      problems.push({ path, message: `expected ${kind}, got ${describe(value)}` });
    }
  }
  return value;
}

/**
 * One pass: coerce checks every leaf with the type's own isValid and every record's fields and
 * unions' branches itself, so a value without problems is valid and is not checked a second time.
 */
export function validateAgainst<T = Record<string, unknown>>(type: avro.Type, input: unknown): ValidationResult<T> {
  const problems: ValidationProblem[] = [];
  const value = coerce(type, input, '', problems, 0);
  return problems.length === 0 ? { ok: true, value: value as T } : { ok: false, problems };
}

/** Parses an .avsc text into a type whose optional unions take plain values (null or the value). */
export function parseAvroSchema(schema: string | object): avro.Type {
  return avro.Type.forSchema(typeof schema === 'string' ? JSON.parse(schema) : (schema as avro.Schema), { wrapUnions: 'auto' } as any);
}
