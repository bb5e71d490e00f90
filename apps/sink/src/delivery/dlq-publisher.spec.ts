import { Producer } from 'kafkajs';
import { DeadLetter, DlqPublisher } from './dlq-publisher';
import { SinkStoppedError } from './deliver';

/** A fake producer that records what it is asked to send and fails the first `failures` sends. */
function fakeProducer(failures = 0) {
  const sends: Array<{ topic: string; acks?: number; messages: Array<{ key: unknown; value: Buffer; headers: Record<string, string> }> }> = [];
  let calls = 0;
  const producer = {
    send: async (request: (typeof sends)[number]) => {
      calls++;
      if (calls <= failures) throw new Error('broker unavailable');
      sends.push(request);
      return [];
    },
  };
  return { producer: producer as unknown as Producer, sends, calls: () => calls };
}

const letter: DeadLetter = {
  topic: 'events.transaction',
  partition: 1,
  offset: 42,
  key: Buffer.from('user-1'),
  value: Buffer.from('not avro'),
  headers: { event_id: 'evt-42', trace_id: 'tr-42' },
  errorType: 'SINK_WRITE',
  message: 'value too long for column symbol',
  retryCount: 3,
  firstAttempt: new Date('2026-03-01T10:00:00.000Z'),
};

describe('DlqPublisher (fake producer)', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-03-01T10:00:09.500Z'), doNotFake: ['setTimeout', 'setImmediate', 'nextTick'] }));
  afterEach(() => jest.useRealTimers());

  it('sends one literal DLQ record per letter with acks=all: the event id and both attempt times', async () => {
    const fake = fakeProducer();
    await new DlqPublisher(fake.producer, 'events.dlq', 'sink').publish([letter, { ...letter, offset: 43, key: null, headers: {}, errorType: 'DESERIALIZATION', message: 'bad bytes', retryCount: 0 }]);
    expect(fake.sends).toHaveLength(1);
    expect(fake.sends[0].topic).toBe('events.dlq');
    expect(fake.sends[0].acks).toBe(-1);
    const [first, second] = fake.sends[0].messages;
    expect(first.key).toEqual(Buffer.from('user-1'));
    expect(first.headers).toEqual({ error_type: 'SINK_WRITE', event_id: 'evt-42', trace_id: 'tr-42' });
    expect(JSON.parse(first.value.toString())).toEqual({
      original_message: 'bm90IGF2cm8=',
      original_key: 'user-1',
      original_headers: { event_id: 'evt-42', trace_id: 'tr-42' },
      error_type: 'SINK_WRITE',
      error_message: 'value too long for column symbol',
      retry_count: 3,
      first_attempt_time: '2026-03-01T10:00:00.000Z',
      last_attempt_time: '2026-03-01T10:00:09.500Z',
      source_topic: 'events.transaction',
      source_partition: 1,
      source_offset: '42',
      event_id: 'evt-42',
      trace_id: 'tr-42',
      failed_in: 'sink',
    });
    expect(second.key).toBeNull();
    expect(second.headers).toEqual({ error_type: 'DESERIALIZATION' });
    expect(JSON.parse(second.value.toString())).toMatchObject({ original_key: null, error_type: 'DESERIALIZATION', retry_count: 0, source_offset: '43', event_id: null, trace_id: null });
  });

  it('sends nothing for no letters', async () => {
    const fake = fakeProducer();
    await new DlqPublisher(fake.producer, 'events.dlq', 'sink').publish([]);
    expect(fake.calls()).toBe(0);
  });

  it('retries a failing broker until the send goes through', async () => {
    const fake = fakeProducer(2);
    jest.useRealTimers();
    await new DlqPublisher(fake.producer, 'events.dlq', 'sink').publish([letter]);
    expect(fake.calls()).toBe(3);
    expect(fake.sends).toHaveLength(1);
  });

  it('gives up with SinkStoppedError when the sink is stopping, sending nothing', async () => {
    const fake = fakeProducer();
    await expect(new DlqPublisher(fake.producer, 'events.dlq', 'sink', () => true).publish([letter])).rejects.toBeInstanceOf(SinkStoppedError);
    expect(fake.calls()).toBe(0);
  });

  it('stops retrying when the sink starts stopping during an outage', async () => {
    let stopping = false;
    const fake = fakeProducer(Number.POSITIVE_INFINITY);
    const send = fake.producer.send.bind(fake.producer);
    fake.producer.send = async (request) => {
      stopping = true;
      return send(request);
    };
    await expect(new DlqPublisher(fake.producer, 'events.dlq', 'sink', () => stopping).publish([letter])).rejects.toThrow('broker unavailable');
    expect(fake.calls()).toBe(1);
  });
});
