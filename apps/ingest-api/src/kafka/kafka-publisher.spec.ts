import { Kafka, Producer } from 'kafkajs';
import { KafkaPublisher, UnacknowledgedWrite } from './kafka-publisher';

/** A fake kafkajs producer: each sendBatch answers with the next scripted outcome. */
function fakeProducer(outcomes: Array<'ok' | Error>, log: string[], name: string): Producer {
  return {
    events: { DISCONNECT: 'producer.disconnect' },
    on: () => () => undefined,
    connect: async () => void log.push(`${name} connect`),
    disconnect: async () => void log.push(`${name} disconnect`),
    sendBatch: async ({ topicMessages }: { topicMessages: Array<{ topic: string; messages: unknown[] }> }) => {
      const outcome = outcomes.shift() ?? 'ok';
      log.push(`${name} send ${outcome === 'ok' ? 'ok' : 'fails'}`);
      if (outcome !== 'ok') throw outcome;
      return topicMessages.map((t) => ({ topicName: t.topic, partition: 0, errorCode: 0, baseOffset: '7' }));
    },
  } as unknown as Producer;
}

describe('KafkaPublisher (fake producers)', () => {
  it('replaces its producer when the broker rejects its sequence after a failover, and the next send succeeds', async () => {
    const log: string[] = [];
    const outOfOrder = Object.assign(new Error('The broker received an out of order sequence number'), { type: 'OUT_OF_ORDER_SEQUENCE_NUMBER' });
    const producers = [fakeProducer([outOfOrder], log, 'first'), fakeProducer([], log, 'second')];
    const kafka = { producer: () => producers.shift() } as unknown as Kafka;
    const publisher = new KafkaPublisher(kafka, { produceTimeoutMs: 2000, maxPendingRecords: 100 });
    const record = { topic: 'events.x', partition: 0, key: 'k', value: Buffer.from('v') };

    await expect(publisher.send(record)).rejects.toMatchObject({ status: 503 });
    await expect(publisher.send(record)).resolves.toMatchObject({ topic: 'events.x', partition: 0, offset: '7' });
    expect(log).toEqual(['first connect', 'first send fails', 'first disconnect', 'second connect', 'second send ok']);
  });

  it('keeps its producer on a transient failure', async () => {
    const log: string[] = [];
    const producers = [fakeProducer([new Error('Connection error: connect ECONNREFUSED')], log, 'first'), fakeProducer([], log, 'second')];
    const kafka = { producer: () => producers.shift() } as unknown as Kafka;
    const publisher = new KafkaPublisher(kafka, { produceTimeoutMs: 2000, maxPendingRecords: 100 });
    const record = { topic: 'events.x', partition: 0, key: 'k', value: Buffer.from('v') };
    await expect(publisher.send(record)).rejects.toMatchObject({ status: 503 });
    await expect(publisher.send(record)).resolves.toMatchObject({ offset: '7' });
    expect(log).toEqual(['first connect', 'first send fails', 'first send ok']);
  });

  it('answers a send the broker did not acknowledge in time with a 503 whose outcome arrives later', async () => {
    let release!: () => void;
    const slow = {
      events: { DISCONNECT: 'producer.disconnect' },
      on: () => () => undefined,
      connect: async () => undefined,
      disconnect: async () => undefined,
      sendBatch: async ({ topicMessages }: { topicMessages: Array<{ topic: string }> }) => {
        await new Promise<void>((resolve) => (release = resolve));
        return topicMessages.map((t) => ({ topicName: t.topic, partition: 0, errorCode: 0, baseOffset: '11' }));
      },
    } as unknown as Producer;
    const publisher = new KafkaPublisher({ producer: () => slow } as unknown as Kafka, { produceTimeoutMs: 30, maxPendingRecords: 100 });
    const record = { topic: 'events.x', partition: 0, key: 'k', value: Buffer.from('v') };
    const error = await publisher.send(record).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnacknowledgedWrite);
    expect(error).toMatchObject({ status: 503 });
    release();
    await expect((error as UnacknowledgedWrite).settled).resolves.toMatchObject({ topic: 'events.x', offset: '11' });
  });

  it('settles an unacknowledged send as not written when the producer finally fails it', async () => {
    let fail!: (e: Error) => void;
    const failing = {
      events: { DISCONNECT: 'producer.disconnect' },
      on: () => () => undefined,
      connect: async () => undefined,
      disconnect: async () => undefined,
      sendBatch: () => new Promise((_, reject) => (fail = reject)),
    } as unknown as Producer;
    const publisher = new KafkaPublisher({ producer: () => failing } as unknown as Kafka, { produceTimeoutMs: 30, maxPendingRecords: 100 });
    const error = (await publisher.send({ topic: 'events.x', partition: 0, key: 'k', value: Buffer.from('v') }).catch((e: unknown) => e)) as UnacknowledgedWrite;
    expect(error).toBeInstanceOf(UnacknowledgedWrite);
    fail(new Error('Connection error'));
    await expect(error.settled).resolves.toBeUndefined();
  });
});
