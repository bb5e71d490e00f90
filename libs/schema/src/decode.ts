/**
 * The one answer to "what is this Confluent-framed record?": its value with the schema it was
 * written with, or poison (the record's own fault: DLQ it, refuse it, skip it), or unavailable
 * (the registry could not answer now: retry, or answer 503). Apps only map these three.
 */
import type { Type } from 'avsc';
import { RetriesExhaustedError } from '@platform/runtime';
import { RegistryError } from './registry-client';

/** A schema as a record was written with it: the registry id, its Avro type and its text. */
export interface WriterSchema {
  id: number;
  type: Type;
  /** The schema text as the registry holds it (JSON). */
  text: string;
}

/** Why a record is poison: no bytes, bad framing, an id the registry does not know, a schema that is not usable, a body that does not decode. */
export type PoisonProblem = 'no-value' | 'framing' | 'unknown-schema' | 'invalid-schema' | 'body';

export type DecodeResult<T = Record<string, unknown>> =
  | { kind: 'ok'; value: T; schemaId: number; schema: WriterSchema }
  | { kind: 'poison'; problem: PoisonProblem; reason: string; schemaId?: number }
  | { kind: 'unavailable'; reason: string; schemaId: number };

export type SchemaLookup =
  | { kind: 'ok'; schema: WriterSchema }
  | { kind: 'poison'; problem: 'unknown-schema' | 'invalid-schema'; reason: string; schemaId: number }
  | { kind: 'unavailable'; reason: string; schemaId: number };

/**
 * True when a failed registry call answered for good about the schema id: 404 (unknown id), or
 * 400/422 (an id it refuses). Everything else (timeouts, refused connections, 5xx, 429, 408 and
 * 401/403, which are our credentials, not the record) is the registry being unavailable.
 */
export function isDefiniteRegistryAnswer(error: unknown): boolean {
  const cause = error instanceof RetriesExhaustedError ? error.lastError : error;
  return cause instanceof RegistryError && (cause.status === 404 || cause.status === 400 || cause.status === 422);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Maps a failed schema fetch to the lookup's answer. */
export function lookupFailure(schemaId: number, error: unknown): Exclude<SchemaLookup, { kind: 'ok' }> {
  if (isDefiniteRegistryAnswer(error))
    return { kind: 'poison', problem: 'unknown-schema', reason: `unknown schema id ${schemaId} (the registry does not know it)`, schemaId };
  return { kind: 'unavailable', reason: `schema registry unavailable for schema id ${schemaId}: ${messageOf(error)}`, schemaId };
}

/** Decodes an Avro body with its writer schema; records only (every platform value is one). */
export function decodeBody<T>(schema: WriterSchema, body: Buffer): DecodeResult<T> {
  let value: unknown;
  try {
    value = schema.type.fromBuffer(body);
  } catch (error) {
    return { kind: 'poison', problem: 'body', reason: `cannot decode with schema ${schema.id}: ${messageOf(error)}`, schemaId: schema.id };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Buffer.isBuffer(value)) {
    return { kind: 'poison', problem: 'invalid-schema', reason: `schema ${schema.id} is not a record schema`, schemaId: schema.id };
  }
  return { kind: 'ok', value: value as T, schemaId: schema.id, schema };
}

/** The value of a decoded record, or an error with the reason (for callers where any failure is final). */
export function decodedValue<T>(result: DecodeResult<T>): T {
  if (result.kind === 'ok') return result.value;
  throw new Error(result.reason);
}

/** Thrown where an `unavailable` answer must fail the work in hand so it is retried as a whole. */
export class RegistryUnavailableError extends Error {
  constructor(
    message: string,
    readonly schemaId?: number,
  ) {
    super(message);
    this.name = 'RegistryUnavailableError';
  }
}
