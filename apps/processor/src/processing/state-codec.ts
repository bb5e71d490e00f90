/**
 * Values of the windowing stage's changelog. Version 2: one version byte, then the value as a
 * tagged JSON-like value (null, false, true, long, double, string, array, object), integers as
 * zigzag varints, and the field names the engine's state uses as one-byte indexes into a fixed
 * dictionary (FIELDS; any other name inline), since a window's record is rewritten at every commit
 * that touches it and its field names were about half of it in version 1. The engine's state values
 * stay its own (no schema per kind here, so a new field of the engine survives, written inline).
 * Still read: version 1 (Avro of a JSON-like union) and version 0 (the JSON written before, first
 * byte `{`), so a changelog written by an older processor restores.
 */
import * as avro from 'avsc';
import type { StateValue } from '@platform/windowing';

export const STATE_VERSION = 2;
const STATE_VERSION_AVRO = 1;
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

/**
 * Field names written as their index (part of version 2: never reordered; a new name is written
 * inline until a new version adds it).
 */
const FIELDS = ['type', 'window', 'group', 'id', 'start', 'end', 'count', 'valueCount', 'sum', 'min', 'max', 'firstEventTime', 'lastEventTime', 'version', 'fired', 'maxEventTime', 'lastSeenMs', 'watermark', 'expiresAt', 'member', 'ids'];
const FIELD_INDEX = new Map(FIELDS.map((f, i) => [f, i]));
const enum Tag {
  Null,
  False,
  True,
  Long,
  Double,
  String,
  Array,
  Object,
}

export function encodeState(value: StateValue): Buffer {
  const w = new StateWriter();
  w.byte(STATE_VERSION);
  w.value(value);
  return Buffer.from(w.buf.subarray(0, w.pos));
}

/** Throws, naming the cause, on an unknown version or bytes that are not a state value. */
export function decodeState(bytes: Buffer): StateValue {
  if (bytes.length > 0 && bytes[0] === 0x7b) return JSON.parse(bytes.toString('utf8')) as StateValue;
  let value: unknown;
  if (bytes.length > 0 && bytes[0] === STATE_VERSION) {
    const r = new StateReader(bytes);
    value = r.value();
    if (r.pos !== bytes.length) throw new Error(`changelog value has ${bytes.length - r.pos} bytes after its end`);
  } else if (bytes.length > 0 && bytes[0] === STATE_VERSION_AVRO) value = unwrap((VALUE.fromBuffer(bytes.subarray(1)) as { v: Wrapped }).v);
  else throw new Error(`changelog value version ${bytes[0]} is not supported (this processor reads versions 0 to ${STATE_VERSION})`);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('changelog value is not an object');
  return value as StateValue;
}

/** Version 1's writer, for the spec that shows version 1 changelogs still restore. */
export function encodeStateVersion1(value: StateValue): Buffer {
  const body = VALUE.toBuffer({ v: wrap(value) });
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = STATE_VERSION_AVRO;
  body.copy(out, 1);
  return out;
}

/** Reused by every encodeState call (synchronous, one per thread). */
let scratch = Buffer.allocUnsafe(64 * 1024);

class StateWriter {
  buf = scratch;
  pos = 0;

  byte(b: number): void {
    this.room(1);
    this.buf[this.pos++] = b;
  }

  /** Unsigned varint (n a non-negative integer below 2^53). */
  uint(n: number): void {
    this.room(8);
    while (n >= 128) {
      this.buf[this.pos++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }

  string(s: string): void {
    const length = Buffer.byteLength(s);
    this.uint(length);
    this.room(length);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  value(value: unknown): void {
    if (value === null || value === undefined) return this.byte(Tag.Null);
    switch (typeof value) {
      case 'boolean':
        return this.byte(value ? Tag.True : Tag.False);
      case 'number':
        if (Number.isInteger(value) && Math.abs(value) <= LONG_LIMIT && !Object.is(value, -0)) {
          this.byte(Tag.Long);
          return this.uint(value >= 0 ? value * 2 : -value * 2 - 1);
        }
        this.byte(Tag.Double);
        this.room(8);
        this.pos = this.buf.writeDoubleLE(value, this.pos);
        return;
      case 'string':
        this.byte(Tag.String);
        return this.string(value);
      case 'object': {
        if (Array.isArray(value)) {
          this.byte(Tag.Array);
          this.uint(value.length);
          for (const item of value) this.value(item);
          return;
        }
        const entries = value as Record<string, unknown>;
        const keys = Object.keys(entries);
        let defined = 0;
        for (const k of keys) if (entries[k] !== undefined) defined++;
        this.byte(Tag.Object);
        this.uint(defined);
        for (const k of keys) {
          if (entries[k] === undefined) continue;
          // A known name as 2 * index, any other as 2 * length + 1 followed by its bytes.
          const index = FIELD_INDEX.get(k);
          if (index !== undefined) this.uint(index * 2);
          else {
            const length = Buffer.byteLength(k);
            this.uint(length * 2 + 1);
            this.room(length);
            this.pos += this.buf.write(k, this.pos, 'utf8');
          }
          this.value(entries[k]);
        }
        return;
      }
      default:
        throw new Error(`state value of type ${typeof value} cannot be encoded`);
    }
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = scratch = grown;
  }
}

class StateReader {
  pos = 1;

  constructor(private readonly buf: Buffer) {}

  uint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if (b < 128) return n;
      scale *= 128;
      if (scale > 2 ** 56) throw new Error('changelog value has a varint too long');
    }
  }

  string(length: number): string {
    if (this.pos + length > this.buf.length) throw new Error('changelog value ends inside a string');
    const s = this.buf.toString('utf8', this.pos, this.pos + length);
    this.pos += length;
    return s;
  }

  value(): unknown {
    const tag = this.byte();
    switch (tag) {
      case Tag.Null:
        return null;
      case Tag.False:
        return false;
      case Tag.True:
        return true;
      case Tag.Long: {
        const z = this.uint();
        return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      }
      case Tag.Double: {
        if (this.pos + 8 > this.buf.length) throw new Error('changelog value ends inside a number');
        const d = this.buf.readDoubleLE(this.pos);
        this.pos += 8;
        return d;
      }
      case Tag.String:
        return this.string(this.uint());
      case Tag.Array: {
        const n = this.uint();
        const out: unknown[] = [];
        for (let i = 0; i < n; i++) out.push(this.value());
        return out;
      }
      case Tag.Object: {
        const n = this.uint();
        const out: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const k = this.uint();
          const name = k % 2 === 0 ? FIELDS[k / 2] : this.string((k - 1) / 2);
          if (name === undefined) throw new Error(`changelog value names field ${k / 2}, which version ${STATE_VERSION} does not know`);
          const v = this.value();
          // A field named __proto__ stays a field (an assignment would set the prototype).
          if (name === '__proto__') Object.defineProperty(out, name, { value: v, enumerable: true, writable: true, configurable: true });
          else out[name] = v;
        }
        return out;
      }
      default:
        throw new Error(`changelog value has an unknown tag ${tag}`);
    }
  }

  private byte(): number {
    if (this.pos >= this.buf.length) throw new Error('changelog value ends early');
    return this.buf[this.pos++];
  }
}
