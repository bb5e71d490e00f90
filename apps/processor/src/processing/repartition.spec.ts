import fc from 'fast-check';
import { decodeRepartition, encodeEvent, encodeMarker, repartitionKey, sourceFromHeaders, sourceHeaders, sourceName, withoutSourceHeaders } from './repartition';

describe('repartition records', () => {
  it('property: events and markers survive the round trip unchanged', () => {
    fc.assert(
      fc.property(
        fc.record({ eventId: fc.string({ minLength: 1 }), eventType: fc.string(), timestamp: fc.integer(), userId: fc.option(fc.string(), { nil: null }), groupKey: fc.string(), partition: fc.string() }),
        fc.string(),
        fc.integer(),
        (event, partition, eventTime) => {
          expect(decodeRepartition(encodeEvent(event))).toEqual(event);
          expect(decodeRepartition(encodeMarker({ partition, eventTime }))).toEqual({ partition, eventTime });
        },
      ),
    );
  });

  it('refuses bytes that are neither an event nor a marker', () => {
    expect(() => decodeRepartition(Buffer.from('{"k":"x"}'))).toThrow('not a repartition record');
    expect(() => decodeRepartition(Buffer.from('not json'))).toThrow();
  });

  it('names keys and sources', () => {
    expect(repartitionKey('transaction', 'AAPL')).toBe('transaction|AAPL');
    expect(sourceName('events.transaction', 3)).toBe('events.transaction-3');
  });
});

describe('the source record a repartition record carries', () => {
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

  it('leaves the repartition record its own headers', () => {
    const carried = sourceHeaders({ topic: 't', partition: 0, offset: '5', key: Buffer.from('k'), value: Buffer.from([0]), headers: { a: 'b' } });
    const strings = Object.fromEntries(Object.entries(carried).map(([k, v]) => [k, v.toString()]));
    expect(withoutSourceHeaders({ ...strings, event_id: 'e-1', trace_id: 't-1' })).toEqual({ event_id: 'e-1', trace_id: 't-1' });
  });
});
