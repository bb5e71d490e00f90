/** Confluent wire format: magic byte 0, 4-byte big-endian schema id, then the Avro binary body. */
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

export function unframe(bytes: Buffer): { schemaId: number; body: Buffer } {
  if (!Buffer.isBuffer(bytes) || bytes.length < HEADER_LENGTH) throw new FramingError(`record of ${bytes?.length ?? 0} bytes is too short for the Confluent wire format`);
  if (bytes.readUInt8(0) !== MAGIC_BYTE) throw new FramingError(`unknown magic byte ${bytes.readUInt8(0)}; expected 0 (Confluent wire format)`);
  return { schemaId: bytes.readUInt32BE(1), body: bytes.subarray(HEADER_LENGTH) };
}
