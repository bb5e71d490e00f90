/**
 * Reading to the end, real broker, read committed: a partition whose last offsets are aborted
 * records and an abort marker, or a commit marker, has no record at its end offset to deliver. The
 * read must still finish there (kafkajs reports such batches only as END_BATCH_PROCESS) and hand
 * back exactly the committed records; an empty partition is simply done.
 */
import { Kafka, Producer } from 'kafkajs';
import { createTransactionalProducer, ensureTopics, readPartitionsToEnd, readTopicToEnd, withAdmin } from '@platform/kafka';
import { eventually, testKafka, uniqueName } from '@test/support';

// Far below the e2e test timeout: a read that never sees its end rejects here, so the test fails
// on the result instead of hanging.
const TIMEOUT_MS = 20_000;

describe('readPartitionsToEnd / readTopicToEnd, real broker, transactional topics', () => {
  let kafka: Kafka;
  let producer: Producer;
  const topics: string[] = [];

  beforeAll(async () => {
    kafka = testKafka('read-to-end-e2e');
    producer = createTransactionalProducer(kafka, uniqueName('read-to-end'));
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect().catch(() => undefined);
    if (topics.length > 0) await withAdmin(kafka, (admin) => admin.deleteTopics({ topics }));
  });

  async function createTopic(numPartitions: number): Promise<string> {
    const topic = uniqueName('read-to-end');
    await withAdmin(kafka, (admin) => ensureTopics(admin, [{ topic, numPartitions, compacted: false }]));
    topics.push(topic);
    return topic;
  }

  async function transaction(topic: string, records: Array<[partition: number, value: string]>, outcome: 'commit' | 'abort'): Promise<void> {
    const tx = await producer.transaction();
    for (const [partition, value] of records) await tx.send({ topic, messages: [{ partition, key: value, value }] });
    await (outcome === 'commit' ? tx.commit() : tx.abort());
  }

  /**
   * Partition 0 ends in two aborted records and their abort marker, partition 1 in a commit marker,
   * partition 2 stays empty.
   */
  async function mixedTopic(): Promise<string> {
    const topic = await createTopic(3);
    await transaction(topic, [[0, 'p0-committed-1'], [0, 'p0-committed-2'], [1, 'p1-committed-1']], 'commit');
    await transaction(topic, [[0, 'p0-aborted-1'], [1, 'p1-aborted-1']], 'abort');
    await transaction(topic, [[0, 'p0-committed-3'], [1, 'p1-committed-2']], 'commit');
    await transaction(topic, [[0, 'p0-aborted-2'], [0, 'p0-aborted-3']], 'abort');
    return topic;
  }

  it('readTopicToEnd returns exactly the committed records when partitions end in markers', async () => {
    const topic = await mixedTopic();
    // The setup is what the test claims: the last offset of partitions 0 and 1 is not a committed record.
    // The coordinator writes the last transaction's markers after EndTxn has answered (Kafka 4's
    // transaction protocol does so on its own schedule), so wait for them before checking the ends.
    const ends = await eventually(async () => {
      const offsets = await withAdmin(kafka, (admin) => admin.fetchTopicOffsets(topic));
      return offsets.find((o) => o.partition === 0)?.high === '10' ? offsets : undefined;
    }, 'the last transaction markers of partition 0');
    expect(ends.map((e) => [e.partition, e.high]).sort()).toEqual([
      [0, '10'],
      [1, '6'],
      [2, '0'],
    ]);

    const records = await readTopicToEnd(kafka, topic, { timeoutMs: TIMEOUT_MS });

    const byPartition = (p: number) => records.filter((r) => r.partition === p).map((r) => [r.message.offset, r.message.value?.toString()]);
    expect(byPartition(0)).toEqual([
      ['0', 'p0-committed-1'],
      ['1', 'p0-committed-2'],
      ['5', 'p0-committed-3'],
    ]);
    expect(byPartition(1)).toEqual([
      ['0', 'p1-committed-1'],
      ['4', 'p1-committed-2'],
    ]);
    expect(records).toHaveLength(5);
  });

  it('readPartitionsToEnd delivers only the chosen partitions, and an empty one delivers nothing', async () => {
    const topic = await mixedTopic();
    const seen: string[] = [];
    await readPartitionsToEnd(kafka, topic, [0, 2], (partition, message) => seen.push(`${partition}:${message.value?.toString()}`), TIMEOUT_MS);
    expect(seen).toEqual(['0:p0-committed-1', '0:p0-committed-2', '0:p0-committed-3']);

    const fromEmpty: string[] = [];
    await readPartitionsToEnd(kafka, topic, [2], (partition, message) => fromEmpty.push(`${partition}:${message.offset}`), TIMEOUT_MS);
    expect(fromEmpty).toEqual([]);
  });

  it('a partition holding only an aborted transaction reads as empty', async () => {
    const topic = await createTopic(1);
    await transaction(topic, [[0, 'aborted-1'], [0, 'aborted-2']], 'abort');
    expect(await readTopicToEnd(kafka, topic, { timeoutMs: TIMEOUT_MS })).toEqual([]);
  });

  it('a topic with no records at all reads as empty', async () => {
    const topic = await createTopic(2);
    expect(await readTopicToEnd(kafka, topic, { timeoutMs: TIMEOUT_MS })).toEqual([]);
  });
});
