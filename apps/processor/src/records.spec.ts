import { decodeRepartition, encodeEvent, encodeMarker, RepartitionInput } from './processing';
import { PartitionTime, WindowEvent, WindowingEngine } from '@platform/windowing';
import { RepartitionMapper, toAggregatedRecord } from './records';
import { mergeOutputs } from './stage-b/task';
import { transactionSpec as transaction } from './transaction-spec.fixture';

function engineInput(input: RepartitionInput): WindowEvent | PartitionTime {
  if (input.kind === 'event') return input.event;
  if (input.kind === 'marker') return input.time;
  throw new Error('a refusal is no engine input');
}

const envelope = {
  event_id: 'e1',
  timestamp: 1_000,
  event_type: 'transaction',
  user_id: 'u1',
  device_id: null,
  payload: { symbol: 'AAPL', side: 'BUY', quantity: 2, amount: 12.5, currency: 'USD' },
};

describe('RepartitionMapper', () => {
  it('keeps only the value field and enriched fields, with the group key and source precomputed', () => {
    const event = new RepartitionMapper(transaction).toWindowEvent(envelope, { sector: 'Technology' }, 'events.transaction-3');
    expect(event).toEqual({
      eventId: 'e1',
      eventType: 'transaction',
      timestamp: 1_000,
      userId: 'u1',
      deviceId: null,
      payload: { amount: 12.5, sector: 'Technology' },
      groupKey: 'AAPL',
      partition: 'events.transaction-3',
    });
  });

  it('reads a nested value field with or without its payload. prefix, as a number when it came as a long', () => {
    const sensor = { ...transaction, name: 'iot.sensor', valueField: 'payload.reading.temperature', groupBy: 'device', enrich: [] };
    const reading = { ...envelope, event_type: 'iot.sensor', payload: { device: 'd-1', reading: { temperature: 21.5, unit: 'C' } } };
    expect(new RepartitionMapper(sensor).toWindowEvent(reading, {}, 's-0').payload).toEqual({ reading: { temperature: 21.5 } });
    const big = { ...reading, payload: { device: 'd-1', reading: { temperature: 12n } } };
    expect(new RepartitionMapper({ ...sensor, valueField: 'reading.temperature' }).toWindowEvent(big, {}, 's-0').payload).toEqual({ reading: { temperature: 12 } });
  });

  it('leaves out a value that is missing or null, and carries no value without a value field', () => {
    const withoutAmount = { ...envelope, payload: { symbol: 'AAPL', amount: null } };
    expect(new RepartitionMapper(transaction).toWindowEvent(withoutAmount, {}, 's-0').payload).toEqual({});
    expect(new RepartitionMapper(transaction).toWindowEvent({ ...envelope, payload: { symbol: 'AAPL' } }, {}, 's-0').payload).toEqual({});
    const counted = new RepartitionMapper({ ...transaction, valueField: undefined }).toWindowEvent(envelope, { sector: 'Technology' }, 's-0');
    expect(counted.payload).toEqual({ sector: 'Technology' });
    expect(counted.groupKey).toBe('AAPL');
  });

  it('maps a missing user or device to null and a string timestamp to a number', () => {
    const event = new RepartitionMapper(transaction).toWindowEvent({ ...envelope, timestamp: '1000' as unknown as number, user_id: undefined, device_id: 'dev-1' }, {}, 's-0');
    expect(event).toMatchObject({ timestamp: 1000, userId: null, deviceId: 'dev-1' });
    expect(new RepartitionMapper(transaction).toWindowEvent({ ...envelope, device_id: undefined }, {}, 's-0').deviceId).toBeNull();
  });

  it('can group by an enriched field', () => {
    const event = new RepartitionMapper({ ...transaction, groupBy: 'sector' }).toWindowEvent(envelope, { sector: 'Technology' }, 's-0');
    expect(event.groupKey).toBe('Technology');
  });

  it('a mapped event aggregates in the engine exactly as the full envelope would', () => {
    const settings = { windows: [{ name: 't1m', kind: 'tumbling' as const, sizeMs: 60_000 }], maxOutOfOrdernessMs: 0, allowedLatenessMs: 0, eventTypes: [transaction] };
    const viaWire = new WindowingEngine(settings);
    const direct = new WindowingEngine(settings);
    const mapped = engineInput(decodeRepartition(encodeEvent(new RepartitionMapper(transaction).toWindowEvent(envelope, {}, 'p-0'))));
    const a = viaWire.processBatch([mapped, engineInput(decodeRepartition(encodeMarker({ partition: 'p-0', eventTime: 120_000 })))], 0);
    const b = direct.processBatch(
      [
        { eventId: 'e1', eventType: 'transaction', timestamp: 1_000, userId: 'u1', payload: envelope.payload, partition: 'p-0' },
        { partition: 'p-0', eventTime: 120_000 },
      ],
      0,
    );
    expect(a.results.map((r) => [r.groupKey, r.count, r.sum])).toEqual([['AAPL', 1, 12.5]]);
    expect(a.results.map((r) => [r.groupKey, r.count, r.sum])).toEqual(b.results.map((r) => [r.groupKey, r.count, r.sum]));
  });
});

describe('markers in stage B', () => {
  it('a marker from a source with no events for this task still moves the watermark', () => {
    const engine = new WindowingEngine({ windows: [{ name: 't1m', kind: 'tumbling', sizeMs: 60_000 }], maxOutOfOrdernessMs: 0, allowedLatenessMs: 0 });
    engine.assignPartitions(['s-0', 's-1'], 0);
    const first = engine.processBatch([{ eventId: 'a', eventType: 'x', timestamp: 1_000, partition: 's-0' }, { partition: 's-0', eventTime: 90_000 }], 0);
    expect(first.results).toHaveLength(0); // s-1 holds the watermark back
    const second = engine.processBatch([engineInput(decodeRepartition(encodeMarker({ partition: 's-1', eventTime: 90_000 })))], 0);
    expect(second.results.map((r) => r.count)).toEqual([1]);
  });
});

describe('mergeOutputs', () => {
  it('concatenates results and keeps the last mutation per key', () => {
    const out = mergeOutputs([
      { results: [], rejected: [], duplicates: ['a'], mutations: [{ key: 'k', value: { v: 1 } }, { key: 'j', value: null }], watermark: 1 },
      { results: [], rejected: [], duplicates: ['b'], mutations: [{ key: 'k', value: { v: 2 } }], watermark: 2 },
    ]);
    expect(out.duplicates).toEqual(['a', 'b']);
    expect(out.mutations).toEqual([{ key: 'k', value: { v: 2 } }, { key: 'j', value: null }]);
    expect(out.watermark).toBe(2);
  });
});

describe('toAggregatedRecord', () => {
  it('carries the retraction flag and the engine figures', () => {
    const record = toAggregatedRecord(
      { eventType: 't', windowKind: 'session', windowName: 's', windowStart: 1, windowEnd: 2, groupKey: 'g', count: 3, valueCount: 3, sum: 6, avg: 2, min: 1, max: 3, distinctUsers: 2, version: 2, final: false, retracted: true, firstEventTime: 1, lastEventTime: 1, watermark: 0 },
      99,
    );
    expect(record).toEqual({
      window_start: 1,
      window_end: 2,
      window_name: 's',
      window_kind: 'session',
      event_type: 't',
      group_key: 'g',
      count: 3,
      sum_value: 6,
      avg_value: 2,
      min_value: 1,
      max_value: 3,
      distinct_users: 2,
      version: 2,
      is_final: false,
      processed_time: 99,
      retracted: true,
    });
  });
});
