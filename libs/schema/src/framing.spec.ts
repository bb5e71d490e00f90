import { frame, frameMany, unframe } from './framing';
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
