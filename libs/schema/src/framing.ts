/** Confluent wire format: magic byte 0, 4-byte big-endian schema id, then the Avro binary body. */
import type { Type } from 'avsc';

export const MAGIC_BYTE = 0;
export const HEADER_LENGTH = 5;

export class FramingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FramingError';
  }
}

export function frame(schemaId: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_LENGTH + body.length);
  out.writeUInt8(MAGIC_BYTE, 0);
  out.writeUInt32BE(schemaId, 1);
  body.copy(out, HEADER_LENGTH);
  return out;
}

/**
 * Encodes values of one schema, framed, into a shared buffer: each result is a view of it, so a
 * batch costs a few allocations instead of two per record (the Avro body, then its framed copy).
 * A record that does not fit moves to a new, larger buffer. Throws as `toBuffer` does on a value
 * the type cannot encode.
 */
export function frameMany(schemaId: number, type: Pick<Type, 'encode'>, values: readonly unknown[], initialBytes = Math.max(4096, values.length * 128)): Buffer[] {
  const out: Buffer[] = new Array(values.length);
  let slab = Buffer.allocUnsafe(initialBytes);
  let pos = 0;
  for (let i = 0; i < values.length; i++) {
    for (;;) {
      if (slab.length - pos > HEADER_LENGTH) {
        const end = type.encode(values[i], slab, pos + HEADER_LENGTH);
        if (end >= 0) {
          slab[pos] = MAGIC_BYTE;
          slab.writeUInt32BE(schemaId, pos + 1);
          out[i] = slab.subarray(pos, end);
          pos = end;
          break;
        }
        // A negative answer is minus the bytes missing at the end of the buffer.
        const needed = slab.length - end - pos;
        slab = Buffer.allocUnsafe(Math.max(slab.length * 2, needed * 2));
      } else {
        slab = Buffer.allocUnsafe(slab.length * 2);
      }
      pos = 0;
    }
  }
  return out;
}

export function unframe(bytes: Buffer): { schemaId: number; body: Buffer } {
  if (!Buffer.isBuffer(bytes) || bytes.length < HEADER_LENGTH) throw new FramingError(`record of ${bytes?.length ?? 0} bytes is too short for the Confluent wire format`);
  if (bytes.readUInt8(0) !== MAGIC_BYTE) throw new FramingError(`unknown magic byte ${bytes.readUInt8(0)}; expected 0 (Confluent wire format)`);
  return { schemaId: bytes.readUInt32BE(1), body: bytes.subarray(HEADER_LENGTH) };
}
