import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import { AdminOffsets, KafkaTaskProducer, KafkaTaskProducers, runTaskConsumer } from './kafkajs-ports';
import type { TaskManager } from './task-manager';

/** A fake kafkajs producer: records every call made on it and on its transactions. */
function fakeProducer(options: { failOn?: 'sendBatch' | 'sendOffsets' | 'commit' | 'begin-abort'; abortFails?: boolean } = {}) {
  const calls: Array<[string, ...unknown[]]> = [];
  const step = (name: string) => async (arg?: unknown) => {
    calls.push(arg === undefined ? [name] : [name, arg]);
    if (options.failOn === name) throw new Error(`${name} failed`);
  };
  const producer = {
    connect: step('connect'),
    disconnect: async () => void calls.push(['disconnect']),
    transaction: async () => {
      calls.push(['transaction']);
      return {
        sendBatch: step('sendBatch'),
        sendOffsets: step('sendOffsets'),
        commit: step('commit'),
        abort: async () => {
          calls.push(['abort']);
          if (options.abortFails || options.failOn === 'begin-abort') throw new Error('abort failed');
        },
      };
    },
  };
  return { producer: producer as unknown as Producer, calls };
}

describe('KafkaTaskProducer with a fake kafkajs producer', () => {
  it('fake: sends the records grouped by topic in their order, then the offsets, then commits, in one transaction', async () => {
    const { producer, calls } = fakeProducer();
    await new KafkaTaskProducer(producer).commit({
      records: [
        { topic: 'out', key: 'a', value: '1' },
        { topic: 'changelog', partition: 2, key: 'sum', value: '7' },
        { topic: 'out', key: 'b', value: '2', headers: { h: 'v' } },
      ],
      offsets: { groupId: 'g', topic: 'in', partition: 3, nextOffset: 42n },
    });
    expect(calls).toEqual([
      ['transaction'],
      [
        'sendBatch',
        {
          topicMessages: [
            {
              topic: 'out',
              messages: [
                { key: 'a', value: '1' },
                { key: 'b', value: '2', headers: { h: 'v' } },
              ],
            },
            { topic: 'changelog', messages: [{ partition: 2, key: 'sum', value: '7' }] },
          ],
          acks: -1,
        },
      ],
      ['sendOffsets', { consumerGroupId: 'g', topics: [{ topic: 'in', partitions: [{ partition: 3, offset: '42' }] }] }],
      ['commit'],
    ]);
  });

  it('fake: sends no batch without records and no offsets without a position', async () => {
    const { producer, calls } = fakeProducer();
    await new KafkaTaskProducer(producer).commit({ records: [], offsets: { groupId: 'g', topic: 'in', partition: 0, nextOffset: 5n } });
    await new KafkaTaskProducer(producer).commit({ records: [{ topic: 'out', value: 'x' }] });
    expect(calls.map(([name]) => name)).toEqual(['transaction', 'sendOffsets', 'commit', 'transaction', 'sendBatch', 'commit']);
  });

  it.each(['sendBatch', 'sendOffsets', 'commit'] as const)('fake: a failed %s aborts the transaction and rejects with that failure', async (failOn) => {
    const { producer, calls } = fakeProducer({ failOn });
    await expect(
      new KafkaTaskProducer(producer).commit({ records: [{ topic: 'out', value: 'x' }], offsets: { groupId: 'g', topic: 'in', partition: 0, nextOffset: 1n } }),
    ).rejects.toThrow(`${failOn} failed`);
    expect(calls[calls.length - 1]).toEqual(['abort']);
    expect(calls.filter(([name]) => name === 'commit' || name === 'abort').length).toBe(failOn === 'commit' ? 2 : 1);
  });

  it('fake: a failed abort after a failed send still rejects with the send failure', async () => {
    const { producer } = fakeProducer({ failOn: 'sendBatch', abortFails: true });
    await expect(new KafkaTaskProducer(producer).commit({ records: [{ topic: 'out', value: 'x' }] })).rejects.toThrow('sendBatch failed');
  });
});

describe('KafkaTaskProducers with a fake kafkajs client', () => {
  function fakeKafka(options: Parameters<typeof fakeProducer>[0] = {}) {
    const made: Array<{ config: Record<string, unknown>; calls: Array<[string, ...unknown[]]>; producer: Producer }> = [];
    const kafka = {
      producer: (config: Record<string, unknown>) => {
        const fake = fakeProducer(options);
        made.push({ config, ...fake });
        return fake.producer;
      },
    };
    return { kafka: kafka as unknown as Kafka, made };
  }

  it('fake: opens a transactional producer for the id and begins and aborts an empty transaction (fencing earlier holders)', async () => {
    const { kafka, made } = fakeKafka();
    const task = await new KafkaTaskProducers(kafka).open('g-in-0');
    expect(made).toHaveLength(1);
    expect(made[0].config).toMatchObject({ transactionalId: 'g-in-0', idempotent: true, maxInFlightRequests: 1 });
    expect(made[0].calls).toEqual([['connect'], ['transaction'], ['abort']]);
    await task.commit({ records: [] });
    expect(made[0].calls.slice(3)).toEqual([['transaction'], ['commit']]);
  });

  it('fake: opening an id again disconnects the earlier producer; close forgets only the current one', async () => {
    const { kafka, made } = fakeKafka();
    const producers = new KafkaTaskProducers(kafka);
    const first = await producers.open('g-in-0');
    const second = await producers.open('g-in-0');
    expect(made[0].calls).toEqual([['connect'], ['transaction'], ['abort'], ['disconnect']]);
    expect(made[1].calls).toEqual([['connect'], ['transaction'], ['abort']]);
    // The earlier one again: disconnected, but the current one stays registered.
    await producers.close('g-in-0', first);
    await producers.closeAll();
    expect(made[1].calls).toEqual([['connect'], ['transaction'], ['abort'], ['disconnect']]);
    // Closed: closeAll has nothing left to disconnect.
    await producers.close('g-in-0', second);
    const disconnects = made[1].calls.filter(([name]) => name === 'disconnect').length;
    await producers.closeAll();
    expect(made[1].calls.filter(([name]) => name === 'disconnect').length).toBe(disconnects);
  });

  it('fake: closeAll disconnects every open producer', async () => {
    const { kafka, made } = fakeKafka();
    const producers = new KafkaTaskProducers(kafka);
    await producers.open('g-in-0');
    await producers.open('g-in-1');
    await producers.closeAll();
    expect(made.map((m) => m.calls[m.calls.length - 1])).toEqual([['disconnect'], ['disconnect']]);
  });

  it('fake: a producer that cannot begin its first transaction is disconnected and the open rejects', async () => {
    const { kafka, made } = fakeKafka({ failOn: 'begin-abort' });
    const producers = new KafkaTaskProducers(kafka);
    await expect(producers.open('g-in-0')).rejects.toThrow('abort failed');
    expect(made[0].calls).toEqual([['connect'], ['transaction'], ['abort'], ['disconnect']]);
    // Not registered: closeAll does not disconnect it again.
    await producers.closeAll();
    expect(made[0].calls).toHaveLength(4);
  });

  it('fake: a failed disconnect on close is ignored', async () => {
    const { kafka } = fakeKafka();
    const producers = new KafkaTaskProducers(kafka);
    const task = await producers.open('g-in-0');
    (task.producer as unknown as { disconnect: () => Promise<void> }).disconnect = () => Promise.reject(new Error('already gone'));
    await expect(producers.close('g-in-0', task)).resolves.toBeUndefined();
  });
});

describe('AdminOffsets with a fake admin client', () => {
  const admin = (partitions: Array<{ partition: number; offset: string }> | undefined) => {
    const asked: unknown[] = [];
    const client = {
      fetchOffsets: async (request: unknown) => {
        asked.push(request);
        return partitions === undefined ? [] : [{ topic: 'in', partitions }];
      },
    };
    return { offsets: new AdminOffsets(client as unknown as Admin), asked };
  };

  it("fake: reads the group's committed offset of the partition", async () => {
    const { offsets, asked } = admin([
      { partition: 0, offset: '7' },
      { partition: 1, offset: '12345678901234567' },
    ]);
    await expect(offsets.committed('g', { topic: 'in', partition: 1 })).resolves.toBe(12345678901234567n);
    expect(asked).toEqual([{ groupId: 'g', topics: ['in'] }]);
  });

  it('fake: no committed offset (-1, empty, partition or topic missing) is undefined', async () => {
    await expect(admin([{ partition: 0, offset: '-1' }]).offsets.committed('g', { topic: 'in', partition: 0 })).resolves.toBeUndefined();
    await expect(admin([{ partition: 0, offset: '' }]).offsets.committed('g', { topic: 'in', partition: 0 })).resolves.toBeUndefined();
    await expect(admin([{ partition: 0, offset: '3' }]).offsets.committed('g', { topic: 'in', partition: 1 })).resolves.toBeUndefined();
    await expect(admin(undefined).offsets.committed('g', { topic: 'in', partition: 0 })).resolves.toBeUndefined();
    await expect(admin([{ partition: 0, offset: '0' }]).offsets.committed('g', { topic: 'in', partition: 0 })).resolves.toBe(0n);
  });
});

describe('runTaskConsumer with a fake kafkajs consumer', () => {
  function setup(withFatal = true) {
    const listeners = new Map<string, (event: { payload: any }) => void>();
    const calls: Array<[string, unknown?]> = [];
    let eachBatch: ((payload: any) => Promise<void>) | undefined;
    const consumer = {
      events: { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join', END_BATCH_PROCESS: 'consumer.end_batch_process' },
      on: (event: string, listener: (event: { payload: any }) => void) => listeners.set(event, listener),
      connect: async () => void calls.push(['connect']),
      subscribe: async (request: unknown) => void calls.push(['subscribe', request]),
      run: async (config: { eachBatch: (payload: any) => Promise<void> } & Record<string, unknown>) => {
        const { eachBatch: handler, ...rest } = config;
        eachBatch = handler;
        calls.push(['run', rest]);
      },
      seek: (request: unknown) => void calls.push(['seek', request]),
    };
    const manager = { assigned: jest.fn(), skipped: jest.fn(async () => undefined), handleBatch: jest.fn(async () => undefined) };
    const fatal: Error[] = [];
    const started = runTaskConsumer(consumer as unknown as Consumer, manager as unknown as TaskManager<never, never>, {
      topics: ['in', 'other'],
      concurrency: 3,
      ...(withFatal ? { onFatal: (error: Error) => fatal.push(error) } : {}),
    });
    const emit = (event: string, payload: unknown) => listeners.get(event)!({ payload });
    return { started, calls, manager, fatal, emit, batch: () => eachBatch! };
  }

  it('fake: connects, subscribes from the beginning and runs batches unresolved, without auto-commit', async () => {
    const { started, calls } = setup();
    await started;
    expect(calls).toEqual([
      ['connect'],
      ['subscribe', { topics: ['in', 'other'], fromBeginning: true }],
      ['run', { autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 3 }],
    ]);
  });

  it('fake: a batch reaches the manager with its last offset and a control that seeks, resolves and heartbeats through the consumer', async () => {
    const { started, calls, manager, batch } = setup();
    await started;
    const resolveOffset = jest.fn();
    const heartbeat = jest.fn(async () => undefined);
    let running = true;
    let stale = false;
    const messages = [{ offset: '4', key: null, value: Buffer.from('x'), timestamp: '0' }];
    await batch()({
      batch: { topic: 'in', partition: 2, messages, highWatermark: '9', lastOffset: () => '5' },
      resolveOffset,
      heartbeat,
      isRunning: () => running,
      isStale: () => stale,
    });
    expect(manager.handleBatch).toHaveBeenCalledTimes(1);
    const [fetched, control] = manager.handleBatch.mock.calls[0] as unknown as [unknown, { seek(o: bigint): void; resolveOffset(o: string): void; heartbeat(): Promise<void>; isActive(): boolean }];
    expect(fetched).toEqual({ topic: 'in', partition: 2, records: messages, highWatermark: '9', lastOffset: '5' });
    control.seek(17n);
    expect(calls[calls.length - 1]).toEqual(['seek', { topic: 'in', partition: 2, offset: '17' }]);
    control.resolveOffset('4');
    expect(resolveOffset).toHaveBeenCalledWith('4');
    await control.heartbeat();
    expect(heartbeat).toHaveBeenCalledTimes(1);
    expect(control.isActive()).toBe(true);
    stale = true;
    expect(control.isActive()).toBe(false);
    stale = false;
    running = false;
    expect(control.isActive()).toBe(false);
  });

  it('fake: a group join assigns every partition of every topic', async () => {
    const { started, manager, emit } = setup();
    await started;
    emit('consumer.group_join', { memberAssignment: { in: [0, 2], other: [1] } });
    expect(manager.assigned).toHaveBeenCalledWith([
      { topic: 'in', partition: 0 },
      { topic: 'in', partition: 2 },
      { topic: 'other', partition: 1 },
    ]);
  });

  it('fake: a fetch without records (markers only) is passed on as skipped with its lag; one with records or without offsets is not', async () => {
    const { started, manager, emit } = setup();
    await started;
    emit('consumer.end_batch_process', { topic: 'in', partition: 1, batchSize: 0, firstOffset: '10', lastOffset: '11', highWatermark: '15' });
    expect(manager.skipped).toHaveBeenCalledTimes(1);
    expect(manager.skipped).toHaveBeenCalledWith(expect.objectContaining({ topic: 'in', partition: 1 }), '10', '11', 3n);
    emit('consumer.end_batch_process', { topic: 'in', partition: 1, batchSize: 2, firstOffset: '12', lastOffset: '13', highWatermark: '15' });
    emit('consumer.end_batch_process', { topic: 'in', partition: 1, batchSize: 0, firstOffset: null, lastOffset: '13', highWatermark: '15' });
    expect(manager.skipped).toHaveBeenCalledTimes(1);
  });

  it('fake: a crash kafkajs does not restart from is fatal; one it restarts from is not', async () => {
    const { started, fatal, emit } = setup();
    await started;
    emit('consumer.crash', { error: new Error('restarting'), restart: true });
    expect(fatal).toEqual([]);
    const final = new Error('Not authorized to access group');
    emit('consumer.crash', { error: final, restart: false });
    expect(fatal).toEqual([final]);
  });

  it('fake: without an onFatal callback a final crash is ignored here', async () => {
    const { started, emit } = setup(false);
    await started;
    expect(() => emit('consumer.crash', { error: new Error('final'), restart: false })).not.toThrow();
  });
});
