import { frame, frameMany, FramingError, unframe } from './framing';
import { parseAvroSchema } from './validation';

const type = parseAvroSchema({
  type: 'record',
  name: 'Reading',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'value', type: 'double' },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
});

function reading(i: number, noteLength = 0): Record<string, unknown> {
  return { id: `r-${i}`, value: i / 3, note: noteLength > 0 ? 'x'.repeat(noteLength) : null };
}

describe('frameMany', () => {
  it('gives the same bytes as framing each value on its own', () => {
    const values = Array.from({ length: 50 }, (_, i) => reading(i, i % 7));
    const framed = frameMany(42, type, values);
    expect(framed).toHaveLength(values.length);
    framed.forEach((bytes, i) => {
      expect(bytes.equals(frame(42, type.toBuffer(values[i])))).toBe(true);
      const { schemaId, body } = unframe(bytes);
      expect(schemaId).toBe(42);
      expect(type.fromBuffer(body)).toEqual(values[i]);
    });
  });

  it('moves to larger buffers when the values do not fit, without corrupting earlier records', () => {
    // A tiny first buffer and one record far larger than any buffer so far.
    const values = [reading(1), reading(2, 10_000), reading(3), reading(4, 3)];
    const framed = frameMany(7, type, values, 8);
    framed.forEach((bytes, i) => expect(type.fromBuffer(unframe(bytes).body)).toEqual(values[i]));
  });

  it('returns nothing for no values', () => {
    expect(frameMany(1, type, [])).toEqual([]);
  });

  it('throws on a value the type cannot encode', () => {
    expect(() => frameMany(1, type, [reading(1), { id: 5, value: 'x' }])).toThrow();
  });
});

describe('frame and unframe', () => {
  it('frames as magic byte 0, the schema id in 4 big-endian bytes, then the body', () => {
    expect([...frame(300, Buffer.from([0xaa, 0xbb]))]).toEqual([0x00, 0x00, 0x00, 0x01, 0x2c, 0xaa, 0xbb]);
    expect([...frame(0x01020304, Buffer.alloc(0))]).toEqual([0, 1, 2, 3, 4]);
  });

  it('reads the schema id and the body of a literal record', () => {
    const { schemaId, body } = unframe(Buffer.from([0x00, 0x00, 0x01, 0x00, 0x02, 0x06, 0x66, 0x6f, 0x6f]));
    expect(schemaId).toBe(65538);
    expect([...body]).toEqual([0x06, 0x66, 0x6f, 0x6f]);
  });

  it('accepts a record that is exactly a header (an empty body)', () => {
    const { schemaId, body } = unframe(Buffer.from([0, 0, 0, 0, 9]));
    expect(schemaId).toBe(9);
    expect(body).toHaveLength(0);
  });

  it('rejects a record shorter than its header, naming its length', () => {
    expect(() => unframe(Buffer.from([0, 0, 0, 1]))).toThrow(new FramingError('record of 4 bytes is too short for the Confluent wire format'));
    expect(() => unframe(Buffer.alloc(0))).toThrow(new FramingError('record of 0 bytes is too short for the Confluent wire format'));
  });

  it('rejects something that is not a buffer', () => {
    expect(() => unframe(undefined as unknown as Buffer)).toThrow(new FramingError('record of 0 bytes is too short for the Confluent wire format'));
    expect(() => unframe('\u0000\u0000\u0000\u0000\u0001xyz' as unknown as Buffer)).toThrow(FramingError);
  });

  it('rejects a wrong magic byte, naming it', () => {
    expect(() => unframe(Buffer.from([1, 0, 0, 0, 1, 2]))).toThrow(new FramingError('unknown magic byte 1; expected 0 (Confluent wire format)'));
    expect(() => unframe(Buffer.from([0xff, 0, 0, 0, 1]))).toThrow(new FramingError('unknown magic byte 255; expected 0 (Confluent wire format)'));
  });

  it('names its errors FramingError', () => {
    expect(new FramingError('x').name).toBe('FramingError');
  });
});

describe('frameMany buffer growth (fake encoder that writes a fixed number of bytes)', () => {
  /** Writes `sizes[i]` bytes of value i; answers as avsc does: the end, or minus the bytes missing. */
  function fakeType(sizes: Map<unknown, number>) {
    const calls: Array<[number, number]> = [];
    return {
      calls,
      encode(value: unknown, buf: Buffer, pos: number): number {
        calls.push([buf.length, pos]);
        const end = pos + (sizes.get(value) ?? 0);
        if (end > buf.length) return buf.length - end;
        buf.fill(0x41, pos, end);
        return end;
      },
    };
  }

  it('starts with 128 bytes a value, at least 4096', () => {
    const values = Array.from({ length: 100 }, (_, i) => i);
    const type = fakeType(new Map(values.map((v) => [v, 1])));
    frameMany(1, type, values);
    expect(type.calls[0]).toEqual([12800, 5]);
    const few = fakeType(new Map([[0, 1]]));
    frameMany(1, few, [0]);
    expect(few.calls[0]).toEqual([4096, 5]);
  });

  it('grows to twice what a record needs, or twice the buffer, and starts a new buffer when under a header is left', () => {
    const a = { v: 'a' };
    const b = { v: 'b' };
    const c = { v: 'c' };
    const type = fakeType(new Map([[a, 10], [b, 10], [c, 1]]));
    const framed = frameMany(2, type, [a, b, c], 8);
    // a needs 15 bytes from 0 in a buffer of 8: the next buffer is max(16, 30). b fills it to 30
    // exactly; c finds no room for a header and moves to a buffer of 60.
    expect(type.calls).toEqual([[8, 5], [30, 5], [30, 20], [60, 5]]);
    expect(framed.map((f) => [...f])).toEqual([
      [0, 0, 0, 0, 2, ...Array(10).fill(0x41)],
      [0, 0, 0, 0, 2, ...Array(10).fill(0x41)],
      [0, 0, 0, 0, 2, 0x41],
    ]);
  });

  it('doubles the buffer when that is more than a record needs', () => {
    const a = { v: 'a' };
    const b = { v: 'b' };
    const type = fakeType(new Map([[a, 3], [b, 10]]));
    frameMany(2, type, [a, b], 20);
    // a fits (0..8); b needs 15 bytes from 8 with 12 left: max(40, 30) = 40, then a fresh start.
    expect(type.calls).toEqual([[20, 5], [20, 13], [40, 5]]);
  });

  it('gives back one result per value', () => {
    const type = fakeType(new Map([[1, 1], [2, 1]]));
    const framed = frameMany(1, type, [1, 2]);
    expect(framed).toHaveLength(2);
    expect(Object.keys(framed)).toEqual(['0', '1']);
  });
});
