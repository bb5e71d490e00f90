import fc from 'fast-check';
import { decodeRepartition, encodeEvent, encodeMarker, encodeRefusal, refusalKey, repartitionKey, sourceFromHeaders, sourceHeaders, sourceName, withoutSourceHeaders } from './repartition';

const sourceArb = fc.record({
  topic: fc.string({ minLength: 1 }),
  partition: fc.nat({ max: 2 ** 31 - 1 }),
  offset: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(String),
  key: fc.option(fc.uint8Array({ minLength: 1 }).map((a) => Buffer.from(a)), { nil: null }),
  value: fc.uint8Array({ minLength: 1 }).map((a) => Buffer.from(a)),
  headers: fc.dictionary(fc.string({ minLength: 1 }).filter((k) => k !== '__proto__'), fc.string()),
});

describe('repartition records, version 1', () => {
  it('property: events (with their source record) and markers survive the round trip unchanged', () => {
    fc.assert(
      fc.property(
        fc.record({
          eventId: fc.string({ minLength: 1 }),
          eventType: fc.string(),
          timestamp: fc.integer(),
          userId: fc.option(fc.string(), { nil: null }),
          deviceId: fc.option(fc.string(), { nil: null }),
          groupKey: fc.string(),
          partition: fc.string(),
          payload: fc.dictionary(fc.string().filter((k) => k !== '__proto__'), fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)), fc.string())),
        }),
        fc.option(sourceArb, { nil: undefined }),
        fc.string(),
        fc.integer(),
        (event, source, partition, eventTime) => {
          expect(decodeRepartition(encodeEvent(event, source))).toEqual({ kind: 'event', event, source });
          expect(decodeRepartition(encodeMarker({ partition, eventTime }))).toEqual({ kind: 'marker', time: { partition, eventTime } });
        },
      ),
    );
  });

  it('carries a refusal whole: event id, event time (NaN too), DLQ key and record bytes', () => {
    fc.assert(
      fc.property(fc.string(), fc.double(), fc.option(fc.uint8Array(), { nil: null }), fc.uint8Array(), (eventId, eventTime, key, record) => {
        const refusal = { eventId, eventTime, dlqKey: key === null ? null : Buffer.from(key), dlqRecord: Buffer.from(record) };
        expect(decodeRepartition(encodeRefusal(refusal))).toEqual({ kind: 'refusal', refusal });
      }),
    );
    expect(encodeRefusal({ eventId: 'e', eventTime: 0, dlqKey: null, dlqRecord: Buffer.alloc(0) }).subarray(0, 2)).toEqual(Buffer.from([1, 3]));
    expect(refusalKey('e-1')).toBe('refused|e-1');
  });

  it('is versioned: byte 1, then the kind, then Avro', () => {
    const marker = encodeMarker({ partition: 'p', eventTime: 1 });
    // version 1, kind 2, string "p" (zigzag length 2, 0x70), double 1.0 little-endian
    expect([...marker]).toEqual([1, 2, 2, 0x70, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
  });

  it('is at least three times smaller than the JSON of version 0 for an event with its source record', () => {
    const event = { eventId: '6f1c1b6e-6d8a-4a55-9f65-0b0e6d1f5e4a', eventType: 'iot.sensor', timestamp: 1764547200123, userId: 'u1234', deviceId: 'dev-42', groupKey: 'dev-42', partition: 'events.iot.sensor-3', payload: { reading: { temperature: 21.5 } } };
    const source = { topic: 'events.iot.sensor', partition: 3, offset: '123456', key: Buffer.from('dev-42'), value: Buffer.alloc(90, 7), headers: { trace_id: 'b7ad6b7169203331' } };
    const legacy = Buffer.byteLength(JSON.stringify({ k: 'e', e: event })) + Buffer.byteLength(sourceHeaders(source).source_record);
    expect(encodeEvent(event, source).length * 1.5).toBeLessThan(legacy);
  });

  it('refuses an unknown version or kind, naming it', () => {
    const marker = encodeMarker({ partition: 'p', eventTime: 1 });
    expect(() => decodeRepartition(Buffer.from([2, ...marker.subarray(1)]))).toThrow('repartition record version 2 is not supported (this processor reads versions 0 and 1)');
    expect(() => decodeRepartition(Buffer.from([1, 9, ...marker.subarray(2)]))).toThrow('repartition record kind 9 is unknown');
    expect(() => decodeRepartition(Buffer.alloc(0))).toThrow('empty repartition record');
    expect(() => decodeRepartition(Buffer.from([1, 1, 0xff]))).toThrow();
  });

  it('reads version 0 (JSON, source record in its header): records of an older stage A', () => {
    const source = { topic: 't', partition: 0, offset: '5', key: null, value: Buffer.from([0, 0, 0, 0, 1, 2]), headers: { a: 'b' } };
    const event = { eventId: 'e-1', eventType: 'x', timestamp: 5, groupKey: 'g', partition: 't-0' };
    const headers = Object.fromEntries(Object.entries(sourceHeaders(source)).map(([k, v]) => [k, Buffer.from(v)]));
    expect(decodeRepartition(Buffer.from(JSON.stringify({ k: 'e', e: event })), headers)).toEqual({ kind: 'event', event, source });
    expect(decodeRepartition(Buffer.from(JSON.stringify({ k: 'm', p: 't-0', t: 9 })))).toEqual({ kind: 'marker', time: { partition: 't-0', eventTime: 9 } });
    expect(() => decodeRepartition(Buffer.from('{"k":"x"}'))).toThrow('not a repartition record');
    expect(() => decodeRepartition(Buffer.from('{not json'))).toThrow();
  });

  it('leaves out what an event does not carry', () => {
    const decoded = decodeRepartition(encodeEvent({ eventId: 'e', eventType: 't', timestamp: 1 }));
    expect(decoded).toStrictEqual({ kind: 'event', event: { eventId: 'e', eventType: 't', timestamp: 1, userId: null, deviceId: null }, source: undefined });
    expect(decodeRepartition(encodeEvent({ eventId: 'e', eventType: 't', timestamp: 1, payload: null as unknown as undefined }))).toStrictEqual(decoded);
  });

  it('refuses version 0 records that are not an event or a marker', () => {
    for (const wire of ['{"k":"e"}', '{"k":"e","e":{"eventId":7}}', '{"k":"m","p":3,"t":1}', '{"k":"m","p":"p","t":"1"}', '{"k":"x","p":"p","t":1}']) {
      expect(() => decodeRepartition(Buffer.from(wire))).toThrow('not a repartition record');
    }
  });

  it('names keys and sources', () => {
    expect(repartitionKey('transaction', 'AAPL')).toBe('transaction|AAPL');
    expect(sourceName('events.transaction', 3)).toBe('events.transaction-3');
  });
});

describe('version 0: the source record a repartition record carried in its header', () => {
  // Headers as the consumer hands them back: every value a Buffer.
  const asRead = (headers: Record<string, Buffer | string>) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.isBuffer(v) ? v : Buffer.from(v)]));

  it('property: topic, partition, offset, key, value bytes and headers come back unchanged', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.nat(),
        fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
        fc.option(fc.uint8Array({ minLength: 1 }), { nil: null }),
        fc.uint8Array({ minLength: 1 }),
        fc.dictionary(fc.string({ minLength: 1 }).filter((k) => k !== '__proto__'), fc.string()),
        (topic, partition, offset, key, value, headers) => {
          const source = { topic, partition, offset: offset.toString(), key: key ? Buffer.from(key) : null, value: Buffer.from(value), headers };
          expect(sourceFromHeaders(asRead(sourceHeaders(source)))).toEqual(source);
        },
      ),
    );
  });

  it('is absent from records written without it, and from broken ones', () => {
    expect(sourceFromHeaders(undefined)).toBeUndefined();
    expect(sourceFromHeaders(asRead({ event_id: 'e-1' }))).toBeUndefined();
    const full = sourceHeaders({ topic: 't', partition: 0, offset: '5', key: null, value: Buffer.from([0, 0, 0, 0, 1, 2]), headers: { a: 'b' } });
    const wire = JSON.parse(full.source_record);
    expect(sourceFromHeaders(asRead({ source_record: JSON.stringify({ ...wire, p: 'x' }) }))).toBeUndefined();
    expect(sourceFromHeaders(asRead({ source_record: JSON.stringify({ ...wire, v: null }) }))).toBeUndefined();
    expect(sourceFromHeaders(asRead({ source_record: '{' }))).toBeUndefined();
    expect(sourceFromHeaders(asRead(full))).toEqual({ topic: 't', partition: 0, offset: '5', key: null, value: Buffer.from([0, 0, 0, 0, 1, 2]), headers: { a: 'b' } });
  });

  it('reads the first of repeated headers, a key given as text, and refuses a source without headers', () => {
    const full = sourceHeaders({ topic: 't', partition: 2, offset: '5', key: Buffer.from('k1'), value: Buffer.from([1]), headers: {} });
    const other = sourceHeaders({ topic: 'u', partition: 3, offset: '6', key: null, value: Buffer.from([2]), headers: {} });
    expect(sourceFromHeaders({ source_record: [Buffer.from(full.source_record), Buffer.from(other.source_record)] })).toEqual({
      topic: 't',
      partition: 2,
      offset: '5',
      key: Buffer.from('k1'),
      value: Buffer.from([1]),
      headers: {},
    });
    expect(sourceFromHeaders({ source_record: full.source_record })?.key).toEqual(Buffer.from('k1'));
    const wire = JSON.parse(full.source_record);
    for (const broken of [{ ...wire, t: 1 }, { ...wire, o: 5 }, { ...wire, h: null }, { ...wire, h: 'x' }, { ...wire, p: 1.5 }]) {
      expect(sourceFromHeaders({ source_record: JSON.stringify(broken) })).toBeUndefined();
    }
    expect(sourceFromHeaders({ source_record: 'null' })).toBeUndefined();
    expect(sourceFromHeaders({ source_record: JSON.stringify({ ...wire, k: 7 }) })?.key).toBeNull();
  });

  it('leaves the repartition record its own headers', () => {
    const carried = sourceHeaders({ topic: 't', partition: 0, offset: '5', key: Buffer.from('k'), value: Buffer.from([0]), headers: { a: 'b' } });
    const strings = Object.fromEntries(Object.entries(carried).map(([k, v]) => [k, v.toString()]));
    expect(withoutSourceHeaders({ ...strings, event_id: 'e-1', trace_id: 't-1' })).toEqual({ event_id: 'e-1', trace_id: 't-1' });
  });
});
