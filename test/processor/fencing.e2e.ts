/**
 * Opening a task fences its previous owner before anything is read. Stage A reads the committed
 * offset and stage B restores the changelog right after KafkaTaskProducers.open(): both are only right
 * if the previous producer with the task's transactional id can no longer commit and its open
 * transaction is already decided. kafkajs' connect() does not do this (it asks for a
 * non-transactional producer id); the transactional InitProducerId only went out when the first
 * transaction began, after those reads.
 */
import { Kafka } from 'kafkajs';
import { ensureTopics, KafkaTaskProducers, readTopicToEnd, withAdmin } from '@platform/kafka';
import { testKafka, uniqueName } from '@test/support';

describe('task producers, real broker: a new owner fences the previous one when it is created', () => {
  let kafka: Kafka;

  beforeAll(() => {
    kafka = testKafka('fencing-e2e');
  });

  it('aborts the previous owner’s open transaction before open() resolves, and the old producer cannot commit', async () => {
    const topic = uniqueName('fencing');
    await withAdmin(kafka, (admin) => ensureTopics(admin, [{ topic, numPartitions: 1, compacted: false }]));
    const transactionalId = uniqueName('fencing-task');
    const previous = new KafkaTaskProducers(kafka);
    const next = new KafkaTaskProducers(kafka);
    try {
      const old = (await previous.open(transactionalId)).producer;
      const open = await old.transaction();
      await open.send({ topic, messages: [{ key: 'k', value: 'from the previous owner' }] });

      await next.open(transactionalId);

      // Decided already: reading to the end does not wait for the transaction timeout, and finds nothing.
      expect(await readTopicToEnd(kafka, topic, { timeoutMs: 15_000 })).toEqual([]);
      await expect(open.commit()).rejects.toThrow();
      expect(await readTopicToEnd(kafka, topic, { timeoutMs: 15_000 })).toEqual([]);
    } finally {
      await previous.closeAll();
      await next.closeAll();
    }
  }, 60_000);
});
