/**
 * Request bodies and query flags, checked at the edge: each parser returns a typed value or throws the
 * Confluent error, before any service code runs. Pure.
 */
import { CompatibilityLevel, parseCompatibilityLevel } from '../compatibility/avro-compatibility';
import { SchemaRequest } from '../domain/registry-commands';
import { Errors } from '../domain/registry-errors';
import { Mode, MODES } from '../domain/registry-state';
import { SchemaReference } from '../domain/store-records';

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function parseReferences(value: unknown): SchemaReference[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw Errors.invalidSchema("'references' must be an array of {name, subject, version}");
  return value.map((item, index) => {
    if (
      !isObject(item) ||
      typeof item.name !== 'string' ||
      item.name === '' ||
      typeof item.subject !== 'string' ||
      item.subject === '' ||
      !Number.isInteger(item.version) ||
      ((item.version as number) < 1 && item.version !== -1)
    ) {
      throw Errors.invalidSchema(`references[${index}] must be {name: string, subject: string, version: positive integer or -1}`);
    }
    return { name: item.name, subject: item.subject, version: item.version as number };
  });
}

/** What one schema may cost: its text's size in bytes and the nesting depth of its JSON. */
export interface SchemaLimits {
  maxBytes: number;
  maxDepth: number;
}

export const DEFAULT_SCHEMA_LIMITS: SchemaLimits = { maxBytes: 256 * 1024, maxDepth: 64 };

/** The deepest nesting of objects and arrays in a JSON text, stopping early once past `limit`. */
function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** The body of register, lookup and compatibility requests: {schema, schemaType?, references?}. */
export function parseSchemaRequest(body: unknown, limits: SchemaLimits = DEFAULT_SCHEMA_LIMITS): SchemaRequest {
  if (!isObject(body)) throw Errors.invalidSchema("the request body must be a JSON object with a 'schema' field");
  const { schema, schemaType } = body;
  if (schemaType !== undefined && schemaType !== null) {
    if (typeof schemaType !== 'string') throw Errors.invalidSchema("'schemaType' must be a string");
    const type = schemaType.toUpperCase();
    if (type === 'JSON' || type === 'PROTOBUF')
      throw Errors.invalidSchema(`schema type ${type} is not supported: this registry serves AVRO schemas only`);
    if (type !== 'AVRO') throw Errors.invalidSchema(`unknown schema type '${schemaType}': this registry serves AVRO schemas only`);
  }
  if (schema === undefined || schema === null || schema === '') throw Errors.invalidSchema("the 'schema' field is missing or empty");
  if (typeof schema !== 'string') throw Errors.invalidSchema("the 'schema' field must be a string holding the schema's JSON text");
  if (Buffer.byteLength(schema, 'utf8') > limits.maxBytes) {
    throw Errors.invalidSchema(`the schema is larger than REGISTRY_MAX_SCHEMA_BYTES (${limits.maxBytes} bytes)`);
  }
  if (jsonDepthExceeds(schema, limits.maxDepth)) {
    throw Errors.invalidSchema(`the schema is nested deeper than REGISTRY_MAX_SCHEMA_DEPTH (${limits.maxDepth} levels)`);
  }
  return { schema, references: parseReferences(body.references) };
}

/** {compatibility} (also accepted: {compatibilityLevel}); 42203 for anything else. */
export function parseCompatibilityUpdate(body: unknown): CompatibilityLevel {
  const given = isObject(body) ? (body.compatibility ?? body.compatibilityLevel) : undefined;
  const level = parseCompatibilityLevel(given);
  if (!level) throw Errors.invalidCompatibilityLevel(given);
  return level;
}

export function parseModeUpdate(body: unknown): Mode {
  const given = isObject(body) ? body.mode : undefined;
  const mode = typeof given === 'string' ? given.toUpperCase() : given;
  if (!(MODES as readonly unknown[]).includes(mode)) throw Errors.invalidMode(given);
  return mode as Mode;
}

/** Query flags such as ?deleted=true: only "true" (any case) is true. */
export function queryFlag(value: unknown): boolean {
  return typeof value === 'string' && value.toLowerCase() === 'true';
}

/** A schema id path segment: a positive integer, else 40403 (no schema can have that id). */
export function parseSchemaId(raw: string): number {
  const id = /^\d{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(id) || id < 1 || id > 2 ** 31 - 1) throw Errors.schemaNotFound(`Schema ${raw} not found`);
  return id;
}
