import fc from 'fast-check';
import { decodeState, encodeState } from './state-codec';

describe('changelog values', () => {
  const window = { type: 'iot.sensor', window: 'tumbling_1m', group: 'dev-12', id: 1764547200000, start: 1764547200000, end: 1764547260000, count: 12, valueCount: 12, sum: [187.5, 1e-17], min: -0.5, max: null, version: 1, fired: false };

  it('property: JSON-like values survive the round trip unchanged', () => {
    // Engine state never has a key named __proto__ (avsc's map decoding cannot keep one).
    const json = fc.jsonValue().filter((v) => typeof v === 'object' && v !== null && !Array.isArray(v) && !JSON.stringify(v).includes('"__proto__"'));
    fc.assert(fc.property(json, (value) => expect(decodeState(encodeState(value as Record<string, unknown>))).toEqual(value)));
  });

  it('keeps integers at and past the edge of 52 bits exactly, up to the largest safe integer', () => {
    const edges = { a: 2 ** 52, b: -(2 ** 52), c: 2 ** 52 + 1, d: -(2 ** 52) - 1, e: Number.MAX_SAFE_INTEGER, f: Number.MIN_SAFE_INTEGER, g: 2 ** 60 };
    expect(decodeState(encodeState(edges))).toEqual(edges);
  });

  it('writes version 1 and reads version 0 (JSON) and version 1', () => {
    const v1 = encodeState(window);
    expect(v1[0]).toBe(1);
    expect(decodeState(v1)).toEqual(window);
    expect(decodeState(Buffer.from(JSON.stringify(window)))).toEqual(window);
    expect(v1.length).toBeLessThan(Buffer.byteLength(JSON.stringify(window)));
  });

  it('refuses an unknown version and a value that is not an object, naming the cause', () => {
    expect(() => decodeState(Buffer.from([7, 0]))).toThrow('changelog value version 7 is not supported (this processor reads versions 0 and 1)');
    expect(() => decodeState(Buffer.alloc(0))).toThrow('changelog value version undefined is not supported');
    expect(() => decodeState(Buffer.from([1, 4, 2])) /* the long 1 */).toThrow('changelog value is not an object');
  });
});
