import { aggregateKey, HEADERS } from './envelope';

describe('envelope', () => {
  it('keys an aggregate by event type, window name, group key and window start, in that order', () => {
    expect(aggregateKey({ event_type: 'transaction', window_name: 'tumbling_1m', group_key: 'u1', window_start: 1_700_000_040_000 })).toBe('transaction|tumbling_1m|u1|1700000040000');
  });

  it('names the record headers as the documented contract says', () => {
    expect(HEADERS).toEqual({ traceId: 'trace_id', eventId: 'event_id', eventType: 'event_type', replayedFrom: 'replayed_from' });
  });
});
