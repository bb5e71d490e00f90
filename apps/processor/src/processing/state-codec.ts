/**
 * Values of the windowing stage's changelog. Version 1: one version byte, then the value as Avro
 * of a JSON-like union (null, boolean, long, double, string, array, map): integers as varints,
 * no quotes or punctuation. The engine's state values stay its own (no schema per kind here, so a
 * new field of the engine survives). Version 0 is the JSON written before (first byte `{`): still
 * read, so a changelog written by an older processor restores.
 */
import * as avro from 'avsc';
import type { StateValue } from '@platform/windowing';

export const STATE_VERSION = 1;
const LONG_LIMIT = 2 ** 52;

const VALUE = avro.Type.forSchema(
  {
    type: 'record',
    name: 'V',
    namespace: 'platform.processor.state.v1',
    fields: [{ name: 'v', type: ['null', 'boolean', 'long', 'double', 'string', { type: 'array', items: 'V' }, { type: 'map', values: 'V' }] }],
  } as avro.Schema,
  { wrapUnions: true },
);

type Wrapped = null | { boolean: boolean } | { long: number } | { double: number } | { string: string } | { array: Array<{ v: Wrapped }> } | { map: Record<string, { v: Wrapped }> };

function wrap(value: unknown): Wrapped {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'boolean':
      return { boolean: value };
    case 'number':
      // avsc's long refuses or rounds integers past 2^52 (its zigzag step would need 54 bits).
      return Number.isInteger(value) && Math.abs(value) <= LONG_LIMIT && !Object.is(value, -0) ? { long: value } : { double: value };
    case 'string':
      return { string: value };
    case 'object': {
      if (Array.isArray(value)) return { array: value.map((v) => ({ v: wrap(v) })) };
      const map: Record<string, { v: Wrapped }> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (v !== undefined) map[k] = { v: wrap(v) };
      return { map };
    }
    default:
      throw new Error(`state value of type ${typeof value} cannot be encoded`);
  }
}

function unwrap(w: Wrapped): unknown {
  if (w === null) return null;
  if ('boolean' in w) return w.boolean;
  if ('long' in w) return w.long;
  if ('double' in w) return w.double;
  if ('string' in w) return w.string;
  if ('array' in w) return w.array.map((e) => unwrap(e.v));
  const out: Record<string, unknown> = {};
  for (const [k, e] of Object.entries(w.map)) out[k] = unwrap(e.v);
  return out;
}

export function encodeState(value: StateValue): Buffer {
  const body = VALUE.toBuffer({ v: wrap(value) });
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = STATE_VERSION;
  body.copy(out, 1);
  return out;
}

/** Throws, naming the cause, on an unknown version or bytes that are not a state value. */
export function decodeState(bytes: Buffer): StateValue {
  if (bytes.length > 0 && bytes[0] === 0x7b) return JSON.parse(bytes.toString('utf8')) as StateValue;
  if (bytes.length === 0 || bytes[0] !== STATE_VERSION) throw new Error(`changelog value version ${bytes[0]} is not supported (this processor reads versions 0 and ${STATE_VERSION})`);
  const value = unwrap((VALUE.fromBuffer(bytes.subarray(1)) as { v: Wrapped }).v);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('changelog value is not an object');
  return value as StateValue;
}
