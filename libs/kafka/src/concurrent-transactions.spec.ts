/**
 * Right after a transaction commits, the coordinator is still writing its markers and answers the
 * next transaction's AddPartitionsToTxn / AddOffsetsToTxn with CONCURRENT_TRANSACTIONS for a few
 * milliseconds. kafkajs 2.2.4 left that to the producer's general retry (100 ms and up here), so
 * every back-to-back transaction paid a backoff; `patches/kafkajs+2.2.4.patch` retries these two
 * requests after 20 ms, as the Java client does, for up to 5 s. These tests drive kafkajs'
 * transaction manager against a fake coordinator (no broker) that refuses a set number of times.
 */
const createEosManager = require('kafkajs/src/producer/eosManager');
const { createErrorFromCode } = require('kafkajs/src/protocol/error');

export {};

const CONCURRENT_TRANSACTIONS = 51;
const INVALID_PRODUCER_EPOCH = 47;

const silent = { debug() {}, info() {}, warn() {}, error() {}, namespace: () => silent };

function fakeCoordinator(refusals: number, code = CONCURRENT_TRANSACTIONS) {
  const calls = { addPartitionsToTxn: 0, addOffsetsToTxn: 0 };
  const left = { addPartitionsToTxn: refusals, addOffsetsToTxn: refusals };
  const refuse = (api: keyof typeof calls) => {
    calls[api]++;
    if (left[api]-- > 0) throw createErrorFromCode(code);
  };
  const coordinator = {
    initProducerId: async () => ({ producerId: 7, producerEpoch: 0 }),
    addPartitionsToTxn: async () => refuse('addPartitionsToTxn'),
    addOffsetsToTxn: async () => refuse('addOffsetsToTxn'),
    txnOffsetCommit: async () => ({}),
  };
  const cluster = {
    retry: { retries: 0 },
    findGroupCoordinator: async () => coordinator,
    findControllerBroker: async () => coordinator,
    refreshMetadataIfNecessary: async () => undefined,
  };
  return { calls, cluster };
}

async function transacting(cluster: unknown) {
  const eos = createEosManager({ logger: silent, cluster, transactional: true, transactionalId: 'tx-spec' });
  await eos.initProducerId();
  eos.beginTransaction();
  return eos;
}

const partitions = [{ topic: 't', partitions: [{ partition: 0 }, { partition: 1 }] }];

describe('kafkajs transactions after CONCURRENT_TRANSACTIONS (patched, fake coordinator)', () => {
  afterEach(() => jest.useRealTimers());

  it('adding partitions is retried until the coordinator accepts it', async () => {
    const fake = fakeCoordinator(3);
    const eos = await transacting(fake.cluster);
    await expect(eos.addPartitionsToTransaction(partitions)).resolves.toBeUndefined();
    expect(fake.calls.addPartitionsToTxn).toBe(4);
    expect(eos.isInTransaction()).toBe(true);
  });

  it('adding the consumer offsets is retried until the coordinator accepts it', async () => {
    const fake = fakeCoordinator(2);
    const eos = await transacting(fake.cluster);
    await eos.sendOffsets({ consumerGroupId: 'g', topics: [{ topic: 't', partitions: [{ partition: 0, offset: '5' }] }] });
    expect(fake.calls.addOffsetsToTxn).toBe(3);
  });

  it('retries after 20 ms, not after the producer backoff', async () => {
    jest.useFakeTimers();
    const fake = fakeCoordinator(1);
    const eos = await transacting(fake.cluster);
    let done = false;
    const adding = eos.addPartitionsToTransaction(partitions).then(() => (done = true));
    await jest.advanceTimersByTimeAsync(19);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await adding;
    expect(fake.calls.addPartitionsToTxn).toBe(2);
  });

  it('gives up after 5 s and leaves the error to the caller', async () => {
    jest.useFakeTimers();
    const fake = fakeCoordinator(Number.MAX_SAFE_INTEGER);
    const eos = await transacting(fake.cluster);
    const adding = eos.addPartitionsToTransaction(partitions);
    const outcome = adding.then(
      () => 'resolved',
      (error: { type?: string }) => error.type,
    );
    await jest.advanceTimersByTimeAsync(5_100);
    expect(await outcome).toBe('CONCURRENT_TRANSACTIONS');
    expect(fake.calls.addPartitionsToTxn).toBeGreaterThan(200);
    expect(fake.calls.addPartitionsToTxn).toBeLessThanOrEqual(252);
  });

  it('any other error is not retried here', async () => {
    const fake = fakeCoordinator(1, INVALID_PRODUCER_EPOCH);
    const eos = await transacting(fake.cluster);
    await expect(eos.addPartitionsToTransaction(partitions)).rejects.toMatchObject({ type: 'INVALID_PRODUCER_EPOCH' });
    expect(fake.calls.addPartitionsToTxn).toBe(1);
  });
});
