import fc from 'fast-check';
import { decodeState, encodeState, encodeStateVersion1 } from './state-codec';

describe('changelog values', () => {
  const window = { type: 'iot.sensor', window: 'tumbling_1m', group: 'dev-12', id: 1764547200000, start: 1764547200000, end: 1764547260000, count: 12, valueCount: 12, sum: [187.5, 1e-17], min: -0.5, max: null, version: 1, fired: false };

  it('property: JSON-like values survive the round trip unchanged, and version 1 of them still reads', () => {
    const json = fc.jsonValue().filter((v) => typeof v === 'object' && v !== null && !Array.isArray(v));
    fc.assert(fc.property(json, (value) => expect(decodeState(encodeState(value as Record<string, unknown>))).toEqual(value)));
    // Version 1 (avsc's map decoding cannot keep a key named __proto__, and the engine has none).
    const v1 = json.filter((v) => !JSON.stringify(v).includes('"__proto__"'));
    fc.assert(fc.property(v1, (value) => expect(decodeState(encodeStateVersion1(value as Record<string, unknown>))).toEqual(value)));
  });

  it('writes a window of the engine in well under the bytes of version 1, and a value larger than its scratch buffer', () => {
    const v2 = encodeState(window);
    expect(v2[0]).toBe(2);
    expect(v2.length).toBeLessThan(encodeStateVersion1(window).length * 0.7);
    const big = { ids: Array.from({ length: 5000 }, (_, i) => `id-${i}-${'x'.repeat(20)}`), expiresAt: Array.from({ length: 5000 }, (_, i) => 1764547200000 + i) };
    expect(decodeState(encodeState(big))).toEqual(big);
  });

  it('keeps integers at and past the edge of 52 bits exactly, up to the largest safe integer', () => {
    const edges = { a: 2 ** 52, b: -(2 ** 52), c: 2 ** 52 + 1, d: -(2 ** 52) - 1, e: Number.MAX_SAFE_INTEGER, f: Number.MIN_SAFE_INTEGER, g: 2 ** 60 };
    expect(decodeState(encodeState(edges))).toEqual(edges);
  });

  it('writes version 2 and reads versions 0 (JSON), 1 and 2', () => {
    expect(encodeState(window)[0]).toBe(2);
    expect(decodeState(encodeState(window))).toEqual(window);
    expect(decodeState(encodeStateVersion1(window))).toEqual(window);
    expect(decodeState(Buffer.from(JSON.stringify(window)))).toEqual(window);
  });

  it('refuses an unknown version and a value that is not an object, naming the cause', () => {
    expect(() => decodeState(Buffer.from([7, 0]))).toThrow('changelog value version 7 is not supported (this processor reads versions 0 to 2)');
    expect(() => decodeState(Buffer.alloc(0))).toThrow('changelog value version undefined is not supported');
    expect(() => decodeState(Buffer.from([1, 4, 2])) /* the long 1 */).toThrow('changelog value is not an object');
    expect(() => decodeState(Buffer.from([2, 3, 2])) /* the long 1 */).toThrow('changelog value is not an object');
    expect(() => decodeState(Buffer.from([2, 7, 1, 2]))).toThrow('changelog value ends early');
    expect(() => decodeState(Buffer.from([2, 7, 1, 200, 1]))).toThrow('changelog value names field 100, which version 2 does not know');
    expect(() => decodeState(Buffer.from([2, 0, 0]))).toThrow('changelog value has 1 bytes after its end');
  });

  it('writes known field names as their index and others inline, integers as zigzag varints, doubles as 8 bytes', () => {
    const bytes = (value: Record<string, unknown>) => [...encodeState(value)];
    // version 2, object tag 7, one field, then the field and its tagged value
    expect(bytes({ count: 1 })).toEqual([2, 7, 1, 12, 3, 2]);
    expect(bytes({ count: -1 })).toEqual([2, 7, 1, 12, 3, 1]);
    expect(bytes({ count: 300 })).toEqual([2, 7, 1, 12, 3, 0xd8, 0x04]);
    expect(bytes({ fired: true, member: false, max: null })).toEqual([2, 7, 3, 28, 2, 38, 1, 20, 0]);
    expect(bytes({ type: 'x' })).toEqual([2, 7, 1, 0, 5, 1, 0x78]);
    expect(bytes({ ids: [1] })).toEqual([2, 7, 1, 40, 6, 1, 3, 2]);
    expect(bytes({ sum: 1.5 })).toEqual([2, 7, 1, 16, 4, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f]);
    expect(bytes({ zz: 0 })).toEqual([2, 7, 1, 5, 0x7a, 0x7a, 3, 0]);
    // Undefined fields are left out (and not counted).
    expect(bytes({ a: undefined, count: 1, b: undefined })).toEqual([2, 7, 1, 12, 3, 2]);
  });

  it('keeps -0, and a field named __proto__ as a field', () => {
    expect(Object.is(decodeState(encodeState({ min: -0 })).min, -0)).toBe(true);
    const tricky = JSON.parse('{"__proto__": {"polluted": 1}, "count": 2}') as Record<string, unknown>;
    const decoded = decodeState(encodeState(tricky));
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.keys(decoded)).toEqual(['__proto__', 'count']);
    expect(Object.getOwnPropertyDescriptor(decoded, '__proto__')?.value).toEqual({ polluted: 1 });
    expect((decoded as { polluted?: number }).polluted).toBeUndefined();
  });

  it('refuses values JSON cannot hold', () => {
    expect(() => encodeState({ f: () => 1 } as unknown as Record<string, unknown>)).toThrow('state value of type function cannot be encoded');
    expect(() => encodeState({ n: 1n } as unknown as Record<string, unknown>)).toThrow('state value of type bigint cannot be encoded');
    expect(() => encodeStateVersion1({ n: 1n } as unknown as Record<string, unknown>)).toThrow('state value of type bigint cannot be encoded');
  });

  it('names what is wrong with bytes that end early or hold an unknown tag', () => {
    expect(() => decodeState(Buffer.from([2, 5, 10, 0x61]))).toThrow('changelog value ends inside a string');
    expect(() => decodeState(Buffer.from([2, 7, 1, 9, 0x61]))).toThrow('changelog value ends inside a string');
    expect(() => decodeState(Buffer.from([2, 4, 0, 0, 0, 0, 0, 0, 0]))).toThrow('changelog value ends inside a number');
    expect(() => decodeState(Buffer.from([2, 9]))).toThrow('changelog value has an unknown tag 9');
    expect(() => decodeState(Buffer.from([2, 3, ...Array(9).fill(0x80), 0]))).toThrow('changelog value has a varint too long');
    // Eight continuation bytes still read: 2^56 is the long 2^55, which is no object.
    expect(() => decodeState(Buffer.from([2, 3, ...Array(8).fill(0x80), 1]))).toThrow('changelog value is not an object');
    expect(() => decodeState(Buffer.from([2, 6, 0]))).toThrow('changelog value is not an object');
    expect(() => decodeState(Buffer.from([2, 0]))).toThrow('changelog value is not an object');
    expect(() => decodeState(Buffer.from([1, 0]))).toThrow('changelog value is not an object');
  });
});
