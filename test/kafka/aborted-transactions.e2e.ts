/**
 * Read-committed consumers never see a record of an aborted transaction, also when aborted
 * transactions of several producers overlap in one partition. The broker lists aborted
 * transactions in the order their abort markers were written, not by first offset; a filter that
 * only looks at the head of that list lets the first records of an earlier-started transaction
 * through. This is the shape a processor restart leaves: every task producer of the killed
 * instance has an open transaction, and each is aborted when its successor starts.
 */
import { Kafka, Producer } from 'kafkajs';
import { createTransactionalProducer, ensureTopics, readTopicToEnd, withAdmin } from '@platform/kafka';
import { testKafka, uniqueName } from '@test/support';

describe('aborted transactions, real broker, read committed', () => {
  let kafka: Kafka;
  const producers: Producer[] = [];

  beforeAll(() => {
    kafka = testKafka('aborted-tx-e2e');
  });

  afterAll(async () => {
    await Promise.all(producers.map((p) => p.disconnect().catch(() => undefined)));
  });

  async function producer(): Promise<Producer> {
    const p = createTransactionalProducer(kafka, uniqueName('aborted-tx'));
    await p.connect();
    producers.push(p);
    return p;
  }

  it('hides every record of overlapping aborted transactions, whatever order they were aborted in', async () => {
    const topic = uniqueName('aborted-tx');
    await withAdmin(kafka, (admin) => ensureTopics(admin, [{ topic, numPartitions: 1, compacted: false }]));
    const [first, second, third] = [await producer(), await producer(), await producer()];

    // first opens at offset 0, second at 1; they interleave; second is aborted before first, so the
    // broker lists (second, first) although first started earlier.
    const early = await first.transaction();
    await early.send({ topic, messages: [{ key: 'a', value: 'aborted-1' }] });
    const late = await second.transaction();
    await late.send({ topic, messages: [{ key: 'b', value: 'aborted-2' }] });
    await early.send({ topic, messages: [{ key: 'a', value: 'aborted-3' }] });
    await late.send({ topic, messages: [{ key: 'b', value: 'aborted-4' }] });
    await late.abort();
    await early.abort();
    const kept = await third.transaction();
    await kept.send({ topic, messages: [{ key: 'c', value: 'committed-1' }] });
    await kept.commit();
    const again = await first.transaction();
    await again.send({ topic, messages: [{ key: 'a', value: 'committed-2' }] });
    await again.commit();

    const values = (await readTopicToEnd(kafka, topic)).map((r) => r.message.value?.toString());
    expect(values).toEqual(['committed-1', 'committed-2']);
    await withAdmin(kafka, (admin) => admin.deleteTopics({ topics: [topic] }));
  });
});
