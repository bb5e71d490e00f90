/**
 * A transactional send that spans several leaders while one of them fails. kafkajs 2.2.4 tracked
 * a send's progress per broker: a partition whose leader failed and moved to a broker that had
 * already answered for other partitions was never sent (its records were lost while the
 * transaction committed), a broker whose request was still running when another one failed got
 * its partitions a second time (duplicates inside one transaction), and a failed send could leave
 * a request running after the caller had aborted. `patches/kafkajs+2.2.4.patch` tracks progress
 * per partition and lets every request of an attempt settle before the attempt fails. These tests
 * drive kafkajs' sendMessages against a fake cluster (no broker).
 */
const createSendMessages = require('kafkajs/src/producer/sendMessages');
const createEosManager = require('kafkajs/src/producer/eosManager');
const createRetry = require('kafkajs/src/retry');
const { createErrorFromCode } = require('kafkajs/src/protocol/error');

const NOT_LEADER_FOR_PARTITION = 6;
const TOPIC = 'repartition';

const silent = { debug() {}, info() {}, warn() {}, error() {}, namespace: () => silent };
export {};

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 5));

interface Landed {
  node: number;
  partition: number;
  values: string[];
  firstSequence: number;
}

type Behaviour = (call: number) => Promise<void>;

/** Two partitions, led by nodes 1 and 2; `failover` moves partition 0 to node 2. */
function fakeCluster(behaviour: Record<number, Behaviour>, unreachable?: number) {
  const leaders: Record<number, number> = { 0: 1, 1: 2 };
  const landed: Landed[] = [];
  const produceCalls: Record<number, number> = { 1: 0, 2: 0 };
  let started = 0;
  const coordinator = {
    initProducerId: async () => ({ producerId: 11, producerEpoch: 0 }),
    addPartitionsToTxn: async () => ({}),
    addOffsetsToTxn: async () => ({}),
    txnOffsetCommit: async () => ({}),
    endTxn: async () => ({}),
  };
  const broker = (nodeId: number) => ({
    nodeId,
    produce: async ({ topicData }: { topicData: Array<{ topic: string; partitions: Array<{ partition: number; firstSequence: number; messages: Array<{ value: string }> }> }> }) => {
      started++;
      await behaviour[nodeId](produceCalls[nodeId]++);
      for (const { partitions } of topicData) {
        for (const p of partitions) landed.push({ node: nodeId, partition: p.partition, values: p.messages.map((m) => m.value), firstSequence: p.firstSequence });
      }
      return { topics: topicData.map(({ topic, partitions }) => ({ topicName: topic, partitions: partitions.map(({ partition }) => ({ partition, errorCode: 0, baseOffset: '0' })) })) };
    },
  });
  const brokers: Record<number, ReturnType<typeof broker>> = { 1: broker(1), 2: broker(2) };
  const cluster = {
    retry: { retries: 0 },
    targetTopics: new Set<string>(),
    failover: () => (leaders[0] = 2),
    addMultipleTargetTopics: async () => undefined,
    refreshMetadataIfNecessary: async () => undefined,
    refreshMetadata: async () => undefined,
    isConnected: () => true,
    removeBroker: () => undefined,
    findGroupCoordinator: async () => coordinator,
    findControllerBroker: async () => coordinator,
    findBroker: async ({ nodeId }: { nodeId: string }) => {
      if (Number(nodeId) === unreachable) throw Object.assign(new Error(`node ${nodeId} unreachable`), { name: 'KafkaJSNonRetriableError' });
      return brokers[Number(nodeId)];
    },
    findTopicPartitionMetadata: () => [0, 1].map((partitionId) => ({ partitionId, leader: leaders[partitionId] })),
    findLeaderForPartitions: (_topic: string, partitions: string[]) => {
      const result: Record<number, number[]> = {};
      for (const id of partitions.map(Number)) (result[leaders[id]] ??= []).push(id);
      return result;
    },
  };
  return { cluster, landed, produceCalls, started: () => started };
}

async function transactionalSend(cluster: unknown, retries = 3) {
  const eosManager = createEosManager({ logger: silent, cluster, transactional: true, transactionalId: 'tx-failover-spec' });
  await eosManager.initProducerId();
  eosManager.beginTransaction();
  const send = createSendMessages({
    logger: silent,
    cluster,
    partitioner: ({ message }: { message: { partition: number } }) => message.partition,
    eosManager,
    retrier: createRetry({ retries, initialRetryTime: 1, maxRetryTime: 5 }),
  });
  const messages = [0, 1, 0, 1].map((partition, i) => ({ partition, value: `event-${i}` }));
  return send({ acks: -1, timeout: 1000, topicMessages: [{ topic: TOPIC, messages }] });
}

const notLeader = () => createErrorFromCode(NOT_LEADER_FOR_PARTITION);

describe('kafkajs transactional send across a leader failover (patched, fake cluster)', () => {
  it('sends the failed leader’s partition to its new leader even when that broker already answered in this call', async () => {
    const fake = fakeCluster({
      1: async () => {
        await tick();
        fake.cluster.failover();
        throw notLeader();
      },
      2: async () => undefined,
    });
    const responses = await transactionalSend(fake.cluster);
    const values = fake.landed.flatMap((l) => l.values).sort();
    expect(values).toEqual(['event-0', 'event-1', 'event-2', 'event-3']);
    expect(fake.landed.find((l) => l.partition === 0)).toMatchObject({ node: 2, values: ['event-0', 'event-2'], firstSequence: 0 });
    expect(responses.map((r: { partition: number }) => r.partition).sort()).toEqual([0, 1]);
  });

  it('does not send a partition twice when its broker was still answering as another leader failed', async () => {
    const fake = fakeCluster({
      1: async (call) => {
        if (call === 0) {
          fake.cluster.failover();
          throw notLeader();
        }
      },
      2: async (call) => {
        if (call === 0) await tick();
      },
    });
    await transactionalSend(fake.cluster);
    const values = fake.landed.flatMap((l) => l.values).sort();
    expect(values).toEqual(['event-0', 'event-1', 'event-2', 'event-3']);
  });

  it('a failed send leaves no request running or queued that could land after the caller aborts', async () => {
    const fake = fakeCluster({
      1: async () => {
        throw notLeader();
      },
      2: async () => {
        await tick();
      },
    });
    await expect(transactionalSend(fake.cluster, 2)).rejects.toMatchObject({ name: 'KafkaJSNumberOfRetriesExceeded', message: expect.stringMatching(/not the leader/) });
    const startedAtFailure = fake.started();
    const landedAtFailure = fake.landed.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.started()).toBe(startedAtFailure);
    expect(fake.landed.length).toBe(landedAtFailure);
    // Partition 1 was acknowledged once and never resent by the retries.
    expect(fake.landed.filter((l) => l.partition === 1)).toHaveLength(1);
  });

  it('a broker that cannot be reached fails the send before any request of the attempt starts', async () => {
    const fake = fakeCluster({ 1: async () => tick(), 2: async () => undefined }, 2);
    await expect(transactionalSend(fake.cluster, 1)).rejects.toThrow('node 2 unreachable');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(fake.started()).toBe(0);
    expect(fake.landed).toEqual([]);
  });
});
