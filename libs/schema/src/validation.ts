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

/**
 * The longs a schema declares `timestamp-millis`. avsc drops a logical type it has no implementation
 * for (the type it builds is a plain long), so parseAvroSchema marks them as it builds them.
 */
const timestampMillis = new WeakSet<avro.Type>();

function logicalTypeOf(type: avro.Type): string | undefined {
  if (timestampMillis.has(type)) return 'timestamp-millis';
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

/**
 * Converts JSON-friendly input into avsc's value form, collecting problems instead of throwing.
 * `path` is where the value sits; a compiled node whose path is fixed (no array or map above it)
 * ignores it and reports its own precomputed path.
 */
type Coerce = (value: unknown, path: string, problems: ValidationProblem[], depth: number) => unknown;

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

/** A child compiled on first use, so recursive schemas compile as deep as values really go. */
function lazy(make: () => Coerce): Coerce {
  let compiled: Coerce | undefined;
  return (value, path, problems, depth) => (compiled ??= make())(value, path, problems, depth);
}

/**
 * The checks and conversions of one type, decided once: the kind, the record's fields, their paths
 * and defaults, the union's branches, the logical type. Validating a value then only runs them.
 */
function compile(type: avro.Type, fixed: string | undefined): Coerce {
  const kind = typeName(type);
  const guarded = (body: Coerce): Coerce => (value, path, problems, depth) => {
    if (depth > MAX_DEPTH) {
      problems.push({ path: fixed ?? path, message: 'nested too deeply' });
      return value;
    }
    return body(value, path, problems, depth);
  };
  if (kind === 'record' || kind === 'error') {
    const record = type as avro.types.RecordType;
    const known = knownFields(record);
    const fields = record.fields.map((field) => {
      const fieldFixed = fixed === undefined ? undefined : join(fixed, field.name);
      const fallback = field.defaultValue();
      // A default that is an object is copied per use (avsc hands out a fresh copy); others are shared.
      const shared = fallback === null || typeof fallback !== 'object';
      return { field, name: field.name, fixed: fieldFixed, coerce: lazy(() => compile(field.type, fieldFixed)), fallback: shared ? fallback : undefined, copies: !shared };
    });
    return guarded((value, path, problems, depth) => {
      const here = fixed ?? path;
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        problems.push({ path: here, message: `expected an object, got ${describe(value)}` });
        return value;
      }
      const input = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const key in input) {
        if (Object.prototype.hasOwnProperty.call(input, key) && !known.has(key)) problems.push({ path: join(here, key), message: 'unknown field' });
      }
      for (const f of fields) {
        const fieldPath = f.fixed ?? join(here, f.name);
        let fieldValue = input[f.name];
        if (fieldValue === undefined) {
          const fallback = f.copies ? f.field.defaultValue() : f.fallback;
          if (fallback === undefined) {
            problems.push({ path: fieldPath, message: 'required field is missing' });
            continue;
          }
          fieldValue = fallback;
        }
        out[f.name] = f.coerce(fieldValue, fieldPath, problems, depth + 1);
      }
      return out;
    });
  }
  if (kind === 'union:unwrapped' || kind === 'union:wrapped') {
    const branches = (type as avro.types.UnwrappedUnionType).types;
    const nullable = branches.some((b) => typeName(b) === 'null');
    const candidates = branches.filter((b) => typeName(b) !== 'null').map((branch) => ({ branch, coerce: lazy(() => compile(branch, fixed)) }));
    const mismatch = `does not match any of ${branches.map((b) => typeName(b)).join(', ')}`;
    return guarded((value, path, problems, depth) => {
      if (value === null && nullable) return null;
      // A branch's problems are dropped again when it does not match (no list per attempt).
      const mark = problems.length;
      for (const { branch, coerce } of candidates) {
        const coerced = coerce(value, path, problems, depth + 1);
        if (problems.length === mark && branch.isValid(coerced)) return coerced;
        problems.length = mark;
      }
      problems.push({ path: fixed ?? path, message: mismatch });
      return value;
    });
  }
  if (kind === 'array') {
    const items = lazy(() => compile((type as avro.types.ArrayType).itemsType, undefined));
    return guarded((value, path, problems, depth) => {
      const here = fixed ?? path;
      if (!Array.isArray(value)) {
        problems.push({ path: here, message: `expected an array, got ${describe(value)}` });
        return value;
      }
      return value.map((item, i) => items(item, `${here}[${i}]`, problems, depth + 1));
    });
  }
  if (kind === 'map') {
    const values = lazy(() => compile((type as avro.types.MapType).valuesType, undefined));
    return guarded((value, path, problems, depth) => {
      const here = fixed ?? path;
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        problems.push({ path: here, message: `expected an object, got ${describe(value)}` });
        return value;
      }
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (LONE_SURROGATE.test(k)) problems.push({ path: here, message: 'a map key contains a lone UTF-16 surrogate (not valid Unicode)' });
        out[k] = values(v, `${here}.${k}`, problems, depth + 1);
      }
      return out;
    });
  }
  if (kind === 'long' || kind === 'int') {
    const logical = logicalTypeOf(type);
    const expected = `expected ${kind === 'int' ? 'a 32-bit integer' : 'an integer'}${logical === 'timestamp-millis' ? ' (epoch ms) or ISO-8601 time' : ''}, got `;
    return guarded((value, path, problems) => {
      const here = fixed ?? path;
      let candidate = value;
      // Timestamps may arrive as ISO-8601 strings; Avro carries epoch milliseconds.
      if (typeof value === 'string' && (logical === 'timestamp-millis' || here.endsWith('timestamp'))) {
        const parsed = parseRfc3339(value);
        if (parsed !== undefined) candidate = parsed;
      }
      if (!type.isValid(candidate)) {
        problems.push({ path: here, message: expected + describe(value) });
      } else if (kind === 'long' && ((candidate as number) < LONG_MIN_EXACT || (candidate as number) > LONG_MAX_EXACT)) {
        problems.push({ path: here, message: `long out of the exactly representable range [${LONG_MIN_EXACT}, ${LONG_MAX_EXACT}]` });
      }
      return candidate;
    });
  }
  return guarded((value, path, problems) => {
    if ((kind === 'float' || kind === 'double') && typeof value === 'number' && !(Number.isFinite(value) && (kind === 'double' || Math.abs(value) <= FLOAT_MAX))) {
      problems.push({ path: fixed ?? path, message: `expected a finite ${kind}, got ${value > 0 ? 'a number too large' : value < 0 ? 'a number too small' : 'NaN'}` });
      return value;
    }
    if (kind === 'string' && typeof value === 'string' && LONE_SURROGATE.test(value)) {
      // A lone UTF-16 surrogate has no UTF-8 form: writing it would put invalid UTF-8 on the topic.
      problems.push({ path: fixed ?? path, message: 'contains a lone UTF-16 surrogate (not valid Unicode)' });
      return value;
    }
    if (!type.isValid(value)) {
      const here = fixed ?? path;
      if (kind === 'enum') {
        problems.push({ path: here, message: `must be one of ${(type as avro.types.EnumType).symbols.join(', ')}` });
      } else if (kind === 'float' || kind === 'double') {
        problems.push({ path: here, message: `expected a finite number, got ${describe(value)}` });
      } else {
        problems.push({ path: here, message: `expected ${kind}, got ${describe(value)}` });
      }
    }
    return value;
  });
}

/** The compiled validator of each top-level type, built on first use. */
const validators = new WeakMap<avro.Type, Coerce>();

/**
 * One pass, compiled once per type: coerce checks every leaf with the type's own isValid and every record's fields and
 * unions' branches itself, so a value without problems is valid and is not checked a second time.
 */
export function validateAgainst<T = Record<string, unknown>>(type: avro.Type, input: unknown): ValidationResult<T> {
  let coerce = validators.get(type);
  if (!coerce) {
    coerce = compile(type, '');
    validators.set(type, coerce);
  }
  const problems: ValidationProblem[] = [];
  const value = coerce(input, '', problems, 0);
  return problems.length === 0 ? { ok: true, value: value as T } : { ok: false, problems };
}

/** Parses an .avsc text into a type whose optional unions take plain values (null or the value). */
export function parseAvroSchema(schema: string | object): avro.Type {
  return avro.Type.forSchema(typeof schema === 'string' ? JSON.parse(schema) : (schema as avro.Schema), { wrapUnions: 'auto', typeHook: markTimestampMillis } as any);
}

/** avsc's type hook: builds a `timestamp-millis` long itself (a fresh instance) to remember what it is. */
function markTimestampMillis(schema: unknown): avro.Type | undefined {
  const attrs = schema as { type?: unknown; logicalType?: unknown } | null;
  if (attrs === null || typeof attrs !== 'object' || attrs.logicalType !== 'timestamp-millis' || attrs.type !== 'long') return undefined;
  const type = avro.Type.forSchema('long');
  timestampMillis.add(type);
  return type;
}
