import type { ConsumerConfig, Kafka } from 'kafkajs';
import { createConsumer } from './client';

/** A fake Kafka client: records the consumer config kafkajs would get, and a disconnect that resolves. */
function fakeKafka() {
  const seen: { config?: ConsumerConfig; disconnects: number } = { disconnects: 0 };
  const kafka = {
    consumer: (config: ConsumerConfig) => {
      seen.config = config;
      return {
        events: { CRASH: 'consumer.crash' },
        on: () => () => undefined,
        disconnect: async () => {
          seen.disconnects++;
        },
      };
    },
  } as unknown as Kafka;
  return { kafka, seen };
}

describe('createConsumer (fake kafkajs client)', () => {
  it('lets kafkajs restart a crashed consumer until it is disconnected, never after', async () => {
    const { kafka, seen } = fakeKafka();
    const consumer = createConsumer(kafka, 'g');
    const restart = seen.config!.retry!.restartOnFailure!;
    await expect(restart(new Error('broker down'))).resolves.toBe(true);
    await consumer.disconnect();
    expect(seen.disconnects).toBe(1);
    await expect(restart(new Error('broker down'))).resolves.toBe(false);
  });

  it("keeps the caller's own restart decision and retry settings", async () => {
    const { kafka, seen } = fakeKafka();
    createConsumer(kafka, 'g', { retry: { retries: 3, restartOnFailure: async (error) => !/ACL/.test(error.message) } });
    expect(seen.config!.retry!.retries).toBe(3);
    await expect(seen.config!.retry!.restartOnFailure!(new Error('ACL denied'))).resolves.toBe(false);
    await expect(seen.config!.retry!.restartOnFailure!(new Error('broker down'))).resolves.toBe(true);
  });
});
