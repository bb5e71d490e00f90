import { Kafka } from 'kafkajs';
import { loadPipelineConfig, pipelineTopics } from '@platform/runtime';
import {
  BatchingProducer,
  createConsumer,
  createIdempotentProducer,
  ensureTopics,
  partitionForKey,
  TopicPlan,
  withAdmin,
} from '@platform/kafka';
import { eventually, KAFKA_JAVA_KEYS, kafkaJavaPartition, testKafka, uniqueName } from '@test/support';

describe('Kafka layer against the real broker', () => {
  let kafka: Kafka;

  beforeAll(() => {
    kafka = testKafka('kafka-layer-e2e');
  });

  it('creates the topics a pipeline declares, with their partitions and cleanup policies, and does nothing the second time', async () => {
    const pipeline = loadPipelineConfig();
    const suffix = uniqueName('t');
    const plans: TopicPlan[] = pipelineTopics(pipeline).map((p) => ({ ...p, topic: `${p.topic}.${suffix}` }));

    const created = await withAdmin(kafka, (admin) => ensureTopics(admin, plans));
    expect(created.sort()).toEqual(plans.map((p) => p.topic).sort());

    const again = await withAdmin(kafka, (admin) => ensureTopics(admin, plans));
    expect(again).toEqual([]);

    await withAdmin(kafka, async (admin) => {
      const metadata = await admin.fetchTopicMetadata({ topics: plans.map((p) => p.topic) });
      for (const plan of plans) {
        const topic = metadata.topics.find((t) => t.name === plan.topic);
        expect(topic?.partitions).toHaveLength(plan.numPartitions);
      }
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: plans.map((p) => ({ type: 2, name: p.topic, configNames: ['cleanup.policy'] })),
      });
      for (const resource of configs.resources) {
        const plan = plans.find((p) => p.topic === resource.resourceName)!;
        expect(resource.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue).toBe(
          plan.compacted ? 'compact' : 'delete',
        );
      }
      await admin.deleteTopics({ topics: plans.map((p) => p.topic) });
    });
  });

  it("reads back an idempotent producer's records in order per partition, each on the partition its key hashes to", async () => {
    const topic = uniqueName('kafka-layer');
    const partitions = 4;
    await withAdmin(kafka, (admin) => ensureTopics(admin, [{ topic, numPartitions: partitions, compacted: false }]));

    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    const batching = new BatchingProducer(producer, { maxBatchRecords: 50 });
    const keys = Array.from({ length: 12 }, (_, i) => `device-${i}`);
    const sent = Array.from({ length: 600 }, (_, i) => {
      const key = keys[i % keys.length];
      return { key, seq: i, partition: partitionForKey(key, partitions) };
    });
    const acks = await Promise.all(
      sent.map((r) =>
        batching.send({ topic, partition: r.partition, key: r.key, value: Buffer.from(JSON.stringify({ seq: r.seq, key: r.key })) }),
      ),
    );
    await batching.close();
    await producer.disconnect();

    // Every ack names the partition we chose and a distinct offset.
    acks.forEach((ack, i) => expect(ack.partition).toBe(sent[i].partition));
    expect(new Set(acks.map((a) => `${a.partition}:${a.offset}`)).size).toBe(sent.length);

    const consumer = createConsumer(kafka, uniqueName('kafka-layer-group'));
    const received: Array<{ partition: number; offset: string; key: string; seq: number }> = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const body = JSON.parse(message.value!.toString());
        received.push({ partition, offset: message.offset, key: message.key!.toString(), seq: body.seq });
      },
    });
    await eventually(async () => received.length >= sent.length, 'all records to be consumed');
    await consumer.disconnect();

    expect(received).toHaveLength(sent.length);
    for (const record of received) {
      expect(record.partition).toBe(partitionForKey(record.key, partitions));
      const ack = acks[record.seq];
      expect(ack.offset).toBe(record.offset);
    }
    // Per partition, records arrive in the order they were sent.
    for (let p = 0; p < partitions; p++) {
      const seqs = received.filter((r) => r.partition === p).map((r) => r.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(seqs).toEqual(sent.filter((r) => r.partition === p).map((r) => r.seq));
    }
    await withAdmin(kafka, (admin) => admin.deleteTopics({ topics: [topic] }));
  });

  it("agrees with Kafka's own partitioner: records produced without an explicit partition land where partitionForKey says", async () => {
    const topic = uniqueName('kafka-partitioner');
    await withAdmin(kafka, (admin) => ensureTopics(admin, [{ topic, numPartitions: 6, compacted: false }]));
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    const keys = KAFKA_JAVA_KEYS.filter((key) => key !== '');
    const results = await producer.send({ topic, acks: -1, messages: keys.map((key) => ({ key, value: key })) });
    await producer.disconnect();
    const consumer = createConsumer(kafka, uniqueName('kafka-partitioner-group'));
    const seen = new Map<string, number>();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ partition, message }) => void seen.set(message.key!.toString(), partition) });
    await eventually(async () => seen.size >= keys.length, 'all keyed records');
    await consumer.disconnect();
    expect(results.length).toBeGreaterThan(0);
    // Where kafkajs's default partitioner put each key, where Kafka's Java client puts it, and ours.
    for (const key of keys)
      expect([key, seen.get(key), partitionForKey(key, 6)]).toEqual([key, kafkaJavaPartition(key, 6), kafkaJavaPartition(key, 6)]);
    await withAdmin(kafka, (admin) => admin.deleteTopics({ topics: [topic] }));
  });
});
