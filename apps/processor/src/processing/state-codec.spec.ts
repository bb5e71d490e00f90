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
});
