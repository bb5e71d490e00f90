/**
 * Turns the `schema` text of a registration into what the registry stores and compares: a validated
 * Avro schema (avsc is the judge, the same library both JavaScript clients use), its compact text,
 * a normalized text (for `normalize=true`) and the model the compatibility checker reads.
 * Pure: no I/O. Invalid input throws RegistryError 42201.
 */
import * as avro from 'avsc';
import { AvroNode, buildAvroModel, NamedTypes, PRIMITIVES } from './avro-model';
import { Errors } from '../domain/registry-errors';

export interface ParsedRegistrySchema {
  /** The schema as compact JSON text: what the registry stores and returns. */
  canonical: string;
  /** Full names, a fixed attribute order and bare primitive names: equal for equivalent spellings. */
  normalized: string;
  model: AvroNode;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw Errors.invalidSchema(`${what} is not valid JSON (${(error as Error).message})`);
  }
}

/**
 * Parses `text`, whose named types may come from `referencedTexts` (the schemas its references point
 * to, dependencies first).
 */
export function parseRegistrySchema(text: string, referencedTexts: string[] = []): ParsedRegistrySchema {
  if (typeof text !== 'string' || text.trim() === '') throw Errors.invalidSchema('the schema is empty');
  const json = parseJson(text, 'the schema');
  const registry: Record<string, avro.Type> = {};
  const named: NamedTypes = new Map();
  try {
    for (const referenced of referencedTexts) {
      const referencedJson = JSON.parse(referenced);
      avro.Type.forSchema(referencedJson as avro.Schema, { registry });
      buildAvroModel(referencedJson, named);
    }
  } catch (error) {
    throw Errors.invalidSchema(`a referenced schema could not be parsed (${(error as Error).message})`);
  }
  try {
    avro.Type.forSchema(json as avro.Schema, { registry });
    const model = buildAvroModel(json, named);
    return { canonical: JSON.stringify(json), normalized: JSON.stringify(normalize(json, undefined)), model };
  } catch (error) {
    throw Errors.invalidSchema((error as Error).message);
  }
}

/** The normalized text of a schema already stored (no validation: it was validated when registered). */
export function normalizedSchemaText(text: string): string {
  return JSON.stringify(normalize(JSON.parse(text), undefined));
}

const isPrimitive = (name: string) => (PRIMITIVES as readonly string[]).includes(name);
const qualify = (name: string, namespace: string | undefined) => (name.includes('.') || !namespace ? name : `${namespace}.${name}`);
const namespaceOf = (fullName: string) => (fullName.includes('.') ? fullName.slice(0, fullName.lastIndexOf('.')) : undefined);

/** Attribute order of the normalized form; other attributes follow sorted by name. */
const ORDER = ['type', 'name', 'doc', 'aliases', 'fields', 'symbols', 'default', 'items', 'values', 'size', 'order', 'logicalType'];

function sortedObject(entries: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(entries).sort((a, b) => {
    const ia = ORDER.indexOf(a);
    const ib = ORDER.indexOf(b);
    if (ia >= 0 || ib >= 0) return (ia < 0 ? ORDER.length : ia) - (ib < 0 ? ORDER.length : ib);
    return a < b ? -1 : a > b ? 1 : 0;
  });
  const out: Record<string, unknown> = {};
  for (const key of keys) if (entries[key] !== undefined) out[key] = entries[key];
  return out;
}

function normalize(schema: unknown, namespace: string | undefined): unknown {
  if (typeof schema === 'string') return isPrimitive(schema) ? schema : qualify(schema, namespace);
  if (Array.isArray(schema)) return schema.map((branch) => normalize(branch, namespace));
  if (schema === null || typeof schema !== 'object') return schema;
  const { type, ...rest } = schema as Record<string, unknown>;
  if (typeof type !== 'string') return normalize(type, namespace);
  if (type === 'record' || type === 'error' || type === 'enum' || type === 'fixed') {
    const declaredNamespace = typeof rest.namespace === 'string' ? rest.namespace || undefined : namespace;
    const fullName = qualify(String(rest.name), declaredNamespace);
    const inner = namespaceOf(fullName);
    const out: Record<string, unknown> = { ...rest, type, name: fullName, namespace: undefined };
    if (Array.isArray(rest.aliases)) out.aliases = (rest.aliases as string[]).map((alias) => qualify(alias, inner));
    if (Array.isArray(rest.fields)) {
      out.fields = (rest.fields as Array<Record<string, unknown>>).map((field) =>
        sortedObject({ ...field, type: normalize(field.type, inner) }),
      );
    }
    return sortedObject(out);
  }
  if (type === 'array') return sortedObject({ ...rest, type, items: normalize(rest.items, namespace) });
  if (type === 'map') return sortedObject({ ...rest, type, values: normalize(rest.values, namespace) });
  if (isPrimitive(type)) return Object.keys(rest).length === 0 ? type : sortedObject({ ...rest, type });
  return qualify(type, namespace);
}
