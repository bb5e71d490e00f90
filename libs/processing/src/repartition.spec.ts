import fc from 'fast-check';
import { decodeRepartition, encodeEvent, encodeMarker, repartitionKey, sourceName } from './repartition';

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
