import { BatchControl, CommitRequest, FetchedBatch, OffsetsPort, ProducerPort, TaskOutput, TaskProducer, TaskRecord, TopicPartition } from './ports';
import { StreamTask, TaskManager, TaskManagerOptions } from './task-manager';

/** A fake broker: transactional ids with epochs (fencing), committed outputs and group offsets. */
class FakeBroker implements OffsetsPort {
  readonly epochs = new Map<string, number>();
  readonly committedOffsets = new Map<string, bigint>();
  readonly log: CommitRequest[] = [];
  readonly events: string[] = [];

  async committed(groupId: string, tp: TopicPartition): Promise<bigint | undefined> {
    this.events.push(`read offset ${tp.partition}`);
    return this.committedOffsets.get(`${groupId}/${tp.topic}/${tp.partition}`);
  }

  outputs(topic: string): TaskOutput[] {
    return this.log.flatMap((r) => r.records).filter((r) => r.topic === topic);
  }
}

class FakeProducer implements TaskProducer {
  failNext?: Error;
  constructor(
    private readonly broker: FakeBroker,
    private readonly id: string,
    private readonly epoch: number,
  ) {}

  async commit(request: CommitRequest): Promise<void> {
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    if (this.broker.epochs.get(this.id) !== this.epoch) throw new Error(`producer ${this.id} epoch ${this.epoch} is fenced`);
    this.broker.log.push(request);
    if (request.offsets) {
      const { groupId, topic, partition, nextOffset } = request.offsets;
      this.broker.committedOffsets.set(`${groupId}/${topic}/${partition}`, nextOffset);
    }
  }
}

class FakeProducers implements ProducerPort {
  readonly open_: FakeProducer[] = [];
  closed = 0;
  constructor(private readonly broker: FakeBroker) {}

  async open(id: string): Promise<FakeProducer> {
    const epoch = (this.broker.epochs.get(id) ?? 0) + 1;
    this.broker.epochs.set(id, epoch);
    this.broker.events.push(`fence ${id}`);
    const p = new FakeProducer(this.broker, id, epoch);
    this.open_.push(p);
    return p;
  }

  async close(): Promise<void> {
    this.closed++;
  }
}

/** A summing task whose state is restored from its committed changelog records. */
class SumTask implements StreamTask {
  sum = 0;
  pending: TaskOutput[] = [];
  closed = false;
  punctuate?: StreamTask['punctuate'];
  committed?: StreamTask['committed'];
  resume?: StreamTask['resume'];
  commitBoundary?: StreamTask['commitBoundary'];
  wantsCommit?: StreamTask['wantsCommit'];
  constructor(
    readonly partition: number,
    restored: number,
  ) {
    this.sum = restored;
  }

  process(records: TaskRecord[]): void {
    for (const r of records) {
      this.sum += Number(r.value!.toString());
      this.pending.push({ topic: 'out', value: r.value });
    }
  }

  prepareCommit(): TaskOutput[] {
    const out = [...this.pending, { topic: 'changelog', partition: this.partition, key: 'sum', value: String(this.sum) }];
    this.pending = [];
    return out;
  }

  close(): void {
    this.closed = true;
    this.pending = [];
  }
}

function setup(
  options: {
    maxUncommittedRecords?: number;
    commitIntervalMs?: number;
    lingerMs?: number;
    broker?: FakeBroker;
    decorate?: (task: SumTask) => void;
    extra?: Partial<TaskManagerOptions<SumTask>>;
  } = {},
) {
  const broker = options.broker ?? new FakeBroker();
  const producers = new FakeProducers(broker);
  let now = 1_000;
  const tasks: SumTask[] = [];
  const manager = new TaskManager<SumTask>({
    groupId: 'g',
    factory: {
      transactionalId: (tp) => `g-${tp.topic}-${tp.partition}`,
      open: async (tp) => {
        const last = broker.outputs('changelog').filter((r) => r.partition === tp.partition).pop();
        broker.events.push(`restore ${tp.partition}`);
        const task = new SumTask(tp.partition, last ? Number(last.value) : 0);
        options.decorate?.(task);
        tasks.push(task);
        return task;
      },
    },
    producers,
    offsets: broker,
    commitIntervalMs: options.commitIntervalMs ?? 100,
    maxUncommittedRecords: options.maxUncommittedRecords ?? 1000,
    lingerMs: options.lingerMs,
    now: () => now,
    ...options.extra,
  });
  return { broker, producers, manager, tasks, advance: (ms: number) => (now += ms) };
}

function batch(partition: number, from: number, values: number[], highWatermark?: number): FetchedBatch {
  const records = values.map((v, i) => ({ offset: String(from + i), key: null, value: Buffer.from(String(v)), timestamp: '0' }));
  const last = from + values.length - 1;
  return { topic: 'in', partition, records, highWatermark: String(highWatermark ?? last + 1), lastOffset: String(last) };
}

function control(active: () => boolean = () => true) {
  const seeks: bigint[] = [];
  const resolved: string[] = [];
  const c: BatchControl = { seek: (o) => seeks.push(o), resolveOffset: (o) => resolved.push(o), heartbeat: async () => undefined, isActive: active };
  return { c, seeks, resolved };
}

const values = (broker: FakeBroker) => broker.outputs('out').map((r) => Number(r.value));
const committedOf = (broker: FakeBroker, partition = 0) => broker.committedOffsets.get(`g/in/${partition}`);

describe('TaskManager against a fake consumer and producer', () => {
  it('fake: opening a task fences the previous owner before it restores and before the committed offset is read', async () => {
    const { broker, manager } = setup();
    await manager.handleBatch(batch(0, 0, [1, 2]), control().c);
    expect(broker.events).toEqual(['fence g-in-0', 'restore 0', 'read offset 0']);
  });

  it('fake: a batch that reaches the partition end commits its outputs, state and offsets in one transaction', async () => {
    const { broker, manager } = setup();
    const { c, resolved } = control();
    await manager.handleBatch(batch(0, 0, [1, 2, 3]), c);
    expect(broker.log).toEqual([
      {
        records: [
          { topic: 'out', value: Buffer.from('1') },
          { topic: 'out', value: Buffer.from('2') },
          { topic: 'out', value: Buffer.from('3') },
          { topic: 'changelog', partition: 0, key: 'sum', value: '6' },
        ],
        offsets: { groupId: 'g', topic: 'in', partition: 0, nextOffset: 3n },
      },
    ]);
    expect(resolved).toEqual(['2']);
  });

  it('fake: under backlog it commits by size and by interval, not once per batch', async () => {
    const { broker, manager, advance } = setup({ maxUncommittedRecords: 5, commitIntervalMs: 100 });
    const { c } = control();
    await manager.handleBatch(batch(0, 0, [1, 1, 1], 100), c);
    expect(broker.log).toHaveLength(0); // behind the end, interval not reached
    await manager.handleBatch(batch(0, 3, [1, 1, 1], 100), c);
    expect(broker.log).toHaveLength(1); // size bound: five records
    expect(committedOf(broker)).toBe(5n);
    advance(99);
    await manager.tick();
    expect(broker.log).toHaveLength(1);
    advance(1);
    await manager.tick();
    expect(broker.log).toHaveLength(2); // interval since the sixth record
    expect(committedOf(broker)).toBe(6n);
    expect(values(broker)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('fake: a large fetch is fed in chunks, committing whenever the interval passed', async () => {
    const { broker, manager, tasks, advance } = setup({ commitIntervalMs: 100, maxUncommittedRecords: 100_000 });
    await manager.handleBatch(batch(0, 0, [1], 10_000), control().c);
    const task = tasks[0];
    const origin = task.process.bind(task);
    task.process = (records) => {
      origin(records);
      advance(60); // each chunk takes 60 ms
    };
    await manager.handleBatch(batch(0, 1, Array.from({ length: 2500 }, () => 1), 10_000), control().c);
    // chunks of 1000, 1000, 500: the interval has passed after the second (1 + 2000 records fed)
    expect(broker.log.map((r) => r.offsets?.nextOffset)).toEqual([2001n]);
    expect(committedOf(broker)).toBe(2001n);
  });

  it('fake: a caught-up task commits at once, or when its linger after the last commit ends', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
    try {
      const { broker, manager, advance } = setup({ lingerMs: 50 });
      await manager.handleBatch(batch(0, 0, [1]), control().c);
      expect(broker.log).toHaveLength(1); // no commit for 50 ms before: at once
      advance(10);
      await manager.handleBatch(batch(0, 1, [2]), control().c);
      advance(10);
      await manager.handleBatch(batch(0, 2, [3]), control().c);
      expect(broker.log).toHaveLength(1); // 20 ms after the last commit: lingering
      await jest.advanceTimersByTimeAsync(39); // the timer was set 40 ms before the linger ends
      expect(broker.log).toHaveLength(1);
      advance(40);
      await jest.advanceTimersByTimeAsync(1);
      expect(broker.log).toHaveLength(2); // one transaction for both batches
      expect(broker.log[1].offsets?.nextOffset).toBe(3n);
      expect(values(broker)).toEqual([1, 2, 3]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('fake: seeks past the committed offset on its first batch and filters records fetched before the seek', async () => {
    const broker = new FakeBroker();
    broker.committedOffsets.set('g/in/0', 5n);
    const { manager } = setup({ broker });
    const first = control();
    await manager.handleBatch(batch(0, 3, [30, 40, 50, 60]), first.c);
    expect(first.seeks).toEqual([5n]);
    expect(broker.log).toHaveLength(0);
    // Fetched before the seek took effect: starts at 3 again, only 5 and 6 are new.
    await manager.handleBatch(batch(0, 3, [30, 40, 50, 60]), control().c);
    expect(values(broker)).toEqual([50, 60]);
    expect(committedOf(broker)).toBe(7n);
  });

  it('fake: revocation mid-batch stops feeding, drops what was not committed and closes the task; the next owner redoes it', async () => {
    const { broker, manager, producers, tasks } = setup();
    await manager.handleBatch(batch(0, 0, [1]), control().c);
    expect(committedOf(broker)).toBe(1n);
    let active = true;
    const mid = control(() => active);
    const task = tasks[0];
    const origin = task.process.bind(task);
    task.process = (records) => {
      origin(records);
      active = false; // the rebalance starts while the first chunk is processed
    };
    await manager.handleBatch(batch(0, 1, [10, 20, 30]), mid.c);
    expect(mid.resolved).toEqual(['3']); // fed, but not committed although it reached the end
    manager.assigned([]);
    await manager.closeAll();
    expect(task.closed).toBe(true);
    expect(producers.closed).toBe(1);
    expect(manager.openTasks()).toEqual([]);
    expect(committedOf(broker)).toBe(1n);

    // Assigned again (here or elsewhere): restored from the committed state, from offset 1.
    await manager.handleBatch(batch(0, 1, [10, 20, 30]), control().c);
    expect(tasks[1].sum).toBe(61);
    expect(values(broker)).toEqual([1, 10, 20, 30]);
  });

  it('fake: a heartbeat refused mid-batch (rebalance under way) stops feeding without closing the task', async () => {
    const { broker, manager, tasks } = setup({ maxUncommittedRecords: 100_000 });
    const refused = control();
    refused.c.heartbeat = async () => {
      throw new Error('The group is rebalancing, so a rejoin is needed');
    };
    await manager.handleBatch(batch(0, 0, Array.from({ length: 1500 }, () => 1)), refused.c);
    expect(refused.resolved).toEqual(['999']); // the first chunk only, not committed
    expect(broker.log).toHaveLength(0);
    expect(tasks[0].closed).toBe(false);
    manager.assigned([{ topic: 'in', partition: 0 }]);
    await manager.handleBatch(batch(0, 0, [1]), control().c);
    expect(committedOf(broker)).toBe(1000n);
  });

  it('fake: a task kept across a rejoin commits its fed work before it re-reads the committed offset', async () => {
    const { broker, manager } = setup();
    await manager.handleBatch(batch(0, 0, [1, 2], 100), control().c);
    expect(broker.log).toHaveLength(0);
    manager.assigned([{ topic: 'in', partition: 0 }]);
    // kafkajs resumes from the offsets it fetched at the join: 0 here, before the commit above.
    const after = control();
    await manager.handleBatch(batch(0, 0, [1, 2, 3]), after.c);
    expect(after.seeks).toEqual([2n]);
    expect(committedOf(broker)).toBe(2n);
    await manager.handleBatch(batch(0, 0, [1, 2, 3]), control().c);
    expect(values(broker)).toEqual([1, 2, 3]);
  });

  it('fake: fenced by a new owner, the commit fails, the task closes, the consumer goes back to the committed offset', async () => {
    const broker = new FakeBroker();
    const a = setup({ broker });
    const b = setup({ broker });
    await a.manager.handleBatch(batch(0, 0, [1]), control().c);
    await b.manager.handleBatch(batch(0, 1, [2]), control().c); // took over: fences a
    const back = control();
    await expect(a.manager.handleBatch(batch(0, 1, [100]), back.c)).rejects.toThrow('epoch 1 is fenced');
    expect(back.seeks).toEqual([1n]);
    expect(a.tasks[0].closed).toBe(true);
    expect(a.manager.openTasks()).toEqual([]);
    expect(values(broker)).toEqual([1, 2]);
    expect(b.tasks[0].sum).toBe(3);
  });

  it('fake: after a failed commit the task is rebuilt from what was committed, and nothing is counted twice', async () => {
    const { broker, manager, producers, tasks } = setup();
    await manager.handleBatch(batch(0, 0, [1, 2]), control().c);
    producers.open_[0].failNext = new Error('broker went away');
    await expect(manager.handleBatch(batch(0, 2, [3]), control().c)).rejects.toThrow('broker went away');
    // The consumer redelivers offset 2 (sought back to the committed offset).
    await manager.handleBatch(batch(0, 2, [3]), control().c);
    expect(tasks).toHaveLength(2);
    expect(tasks[1].sum).toBe(6);
    expect(broker.outputs('changelog').map((r) => r.value)).toEqual(['3', '6']);
    expect(committedOf(broker)).toBe(3n);
  });

  it('fake: a timer commit that fails sends the consumer back to the committed offset at the next batch: the records fed since are redone, not skipped', async () => {
    const { broker, manager, producers, tasks, advance } = setup({ commitIntervalMs: 100 });
    await manager.handleBatch(batch(0, 0, [1, 2], 100), control().c);
    advance(100);
    await manager.tick();
    expect(committedOf(broker)).toBe(2n);
    await manager.handleBatch(batch(0, 2, [3, 4], 100), control().c); // fed, uncommitted
    producers.open_[0].failNext = new Error('broker went away');
    advance(100);
    await manager.tick(); // the interval commit fails: the task is closed
    expect(tasks[0].closed).toBe(true);
    // The consumer's own position is past the fed records: its next fetch starts at 4.
    const next = control();
    await manager.handleBatch(batch(0, 4, [5], 100), next.c);
    expect(next.seeks).toEqual([2n]);
    expect(next.resolved).toEqual([]);
    await manager.handleBatch(batch(0, 2, [3, 4, 5]), control().c);
    expect(tasks[tasks.length - 1].sum).toBe(15);
    expect(values(broker)).toEqual([1, 2, 3, 4, 5]);
    expect(committedOf(broker)).toBe(5n);
  });

  it('fake: a task that never committed goes back to its first record after a failed commit', async () => {
    const { broker, manager, producers, tasks, advance } = setup({ commitIntervalMs: 100 });
    await manager.handleBatch(batch(0, 3, [1, 2], 100), control().c); // offsets 0-2 were markers
    producers.open_[0].failNext = new Error('broker went away');
    advance(100);
    await manager.tick();
    const next = control();
    await manager.handleBatch(batch(0, 5, [3], 100), next.c);
    expect(next.seeks).toEqual([3n]);
    await manager.handleBatch(batch(0, 3, [1, 2, 3]), control().c);
    expect(tasks[tasks.length - 1].sum).toBe(6);
    expect(committedOf(broker)).toBe(6n);
  });

  it('fake: a failed commit of a revoked partition does not rewind its next owner here', async () => {
    const { manager, producers, advance } = setup({ commitIntervalMs: 100 });
    await manager.handleBatch(batch(0, 0, [1], 100), control().c);
    producers.open_[0].failNext = new Error('broker went away');
    advance(100);
    await manager.tick();
    manager.assigned([]);
    manager.assigned([{ topic: 'in', partition: 0 }]);
    // kafkajs starts a new assignment from the committed offsets itself.
    const next = control();
    await manager.handleBatch(batch(0, 0, [1]), next.c);
    expect(next.seeks).toEqual([]);
  });

  it('fake: a fetch of transaction markers only, at the position, is committed so the group reaches the end', async () => {
    const { broker, manager } = setup();
    await manager.handleBatch(batch(0, 0, [1, 2]), control().c);
    await manager.skipped({ topic: 'in', partition: 0 }, '5', '6'); // not at the position: ignored
    expect(committedOf(broker)).toBe(2n);
    await manager.skipped({ topic: 'in', partition: 0 }, '2', '3');
    expect(committedOf(broker)).toBe(4n);
  });

  it('fake: a task whose last data batch stopped short of the end is caught up once a markers-only fetch reaches it', async () => {
    const { manager, tasks } = setup();
    // The data batch ends one before the high watermark (the commit marker had not been fetched yet).
    await manager.handleBatch({ ...batch(0, 0, [1, 2]), highWatermark: '3' }, control().c);
    const seen: boolean[] = [];
    tasks[0].punctuate = (_now: number, context: { caughtUp: boolean }) => {
      seen.push(context.caughtUp);
      return false;
    };
    await manager.tick();
    await manager.skipped({ topic: 'in', partition: 0 }, '2', '2', 0n);
    await manager.tick();
    expect(seen).toEqual([false, true]);
  });

  it('fake: punctuation commits outputs without offsets when nothing was consumed', async () => {
    const { broker, manager, tasks } = setup();
    await manager.handleBatch(batch(0, 0, [1]), control().c);
    const task = tasks[0];
    task.punctuate = (now: number, context: { caughtUp: boolean }) => {
      if (!context.caughtUp) return false;
      task.pending.push({ topic: 'out', value: Buffer.from(String(now)) });
      return true;
    };
    await manager.tick();
    expect(broker.log[1]).toEqual({ records: [{ topic: 'out', value: Buffer.from('1000') }, { topic: 'changelog', partition: 0, key: 'sum', value: '1' }], offsets: undefined });
  });

  it('fake: a graceful close commits what every task fed', async () => {
    const { broker, manager, tasks } = setup();
    await manager.handleBatch(batch(0, 0, [1], 100), control().c);
    await manager.handleBatch(batch(1, 0, [2], 100), control().c);
    expect(broker.log).toHaveLength(0);
    await manager.closeAll();
    expect(committedOf(broker, 0)).toBe(1n);
    expect(committedOf(broker, 1)).toBe(1n);
    expect(tasks.every((t) => t.closed)).toBe(true);
  });
  it('fake: a task keeping its own position resumes there instead of the committed offset; a rewind asks again on the next batch', async () => {
    const { broker, manager } = setup({ decorate: (t) => (t.resume = async (first) => (first > 3n ? { rewindTo: 2n } : { committed: 3n })) });
    const inside = control();
    await manager.handleBatch(batch(0, 5, [5, 6]), inside.c);
    expect(inside.seeks).toEqual([2n]);
    const early = control();
    await manager.handleBatch(batch(0, 2, [2, 3, 4]), early.c);
    expect(early.seeks).toEqual([3n]);
    await manager.handleBatch(batch(0, 3, [3, 4]), control().c);
    expect(broker.events).not.toContain('read offset 0');
    expect(values(broker)).toEqual([3, 4]);
    expect(committedOf(broker)).toBe(5n);
  });

  it('fake: a commit boundary holds size and interval commits and forces one exactly at it', async () => {
    const { broker, manager, advance } = setup({
      maxUncommittedRecords: 2,
      decorate: (t) => {
        let cut: bigint | undefined = 4n;
        t.commitBoundary = () => cut;
        t.committed = ({ position }) => {
          if (cut !== undefined && position! > cut) cut = undefined;
        };
      },
    });
    await manager.handleBatch(batch(0, 0, [1, 2, 3], 20), control().c);
    advance(1000);
    await manager.tick();
    expect(broker.log).toEqual([]);
    await manager.handleBatch(batch(0, 3, [4, 5, 6, 7], 20), control().c);
    expect(broker.log.map((r) => r.offsets?.nextOffset)).toEqual([5n, 7n]);
    expect(values(broker)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('fake: a task that asks for a commit gets one after the records just fed, under backlog and before the interval', async () => {
    const { broker, manager } = setup({ decorate: (t) => (t.wantsCommit = () => t.pending.length >= 3) });
    await manager.handleBatch(batch(0, 0, [1, 2], 50), control().c);
    expect(broker.log).toEqual([]);
    await manager.handleBatch(batch(0, 2, [3], 50), control().c);
    expect(committedOf(broker)).toBe(3n);
  });

  it('fake: an assignment without a partition closes its task at once, without committing its fed work', async () => {
    const { broker, manager, producers, tasks } = setup();
    await manager.handleBatch(batch(0, 0, [1], 100), control().c);
    await manager.handleBatch(batch(1, 0, [2], 100), control().c);
    expect(manager.taskOf({ topic: 'in', partition: 0 })).toBe(tasks[0]);
    manager.assigned([{ topic: 'in', partition: 1 }]);
    await manager.skipped({ topic: 'in', partition: 0 }, '0', '0');
    await Promise.resolve();
    expect(tasks[0].closed).toBe(true);
    expect(tasks[1].closed).toBe(false);
    expect(producers.closed).toBe(1);
    expect(manager.openTasks()).toEqual([{ topic: 'in', partition: 1 }]);
    expect(manager.taskOf({ topic: 'in', partition: 0 })).toBeUndefined();
    expect(broker.log).toEqual([]);
  });

  it('fake: the observer hears of each batch with its lag, each commit with its request, and each abort', async () => {
    const heard: unknown[] = [];
    const failure = new Error('broker went away');
    const { manager, producers } = setup({
      extra: {
        observer: {
          onBatch: (tp, lag, records) => heard.push(['batch', tp.partition, lag, records]),
          onCommit: (tp, request, seconds) => heard.push(['commit', tp.partition, request.offsets?.nextOffset, seconds >= 0 && seconds < 10]),
          onAbort: (tp, error) => heard.push(['abort', tp.partition, error]),
        },
      },
    });
    await manager.handleBatch(batch(0, 0, [1, 2], 10), control().c);
    await manager.handleBatch(batch(0, 2, [3], 3), control().c);
    producers.open_[0].failNext = failure;
    await expect(manager.handleBatch(batch(0, 3, [4], 4), control().c)).rejects.toThrow(failure);
    expect(heard).toEqual([
      ['batch', 0, 8n, 2],
      ['batch', 0, 0n, 1],
      ['commit', 0, 3n, true],
      ['batch', 0, 0n, 1],
      ['abort', 0, failure],
    ]);
  });

  it('fake: commitAll commits every verified task with fed work, and only those', async () => {
    const { broker, manager } = setup();
    await manager.handleBatch(batch(0, 0, [1], 100), control().c);
    await manager.handleBatch(batch(1, 0, [2, 3], 100), control().c);
    await manager.handleBatch(batch(2, 0, [4]), control().c); // caught up: committed already
    expect(broker.log).toHaveLength(1);
    await manager.commitAll();
    expect([committedOf(broker, 0), committedOf(broker, 1), committedOf(broker, 2)]).toEqual([1n, 2n, 1n]);
    expect(broker.log).toHaveLength(3);
    await manager.commitAll();
    expect(broker.log).toHaveLength(3);
  });

  it('fake: closeAll(false) closes every task without committing; batches delivered while closing are not fed', async () => {
    const { broker, manager, tasks } = setup();
    await manager.handleBatch(batch(0, 0, [1], 100), control().c);
    const closing = manager.closeAll(false);
    await manager.handleBatch(batch(1, 0, [5]), control().c);
    await closing;
    expect(tasks).toHaveLength(1);
    expect(tasks[0].closed).toBe(true);
    expect(broker.log).toEqual([]);
    // After the close, batches are fed again (a new task).
    await manager.handleBatch(batch(0, 0, [1]), control().c);
    expect(tasks).toHaveLength(2);
  });

  it('fake: chunkRecords bounds the records fed at once', async () => {
    const { manager, tasks } = setup({ extra: { chunkRecords: 2 } });
    const sizes: number[] = [];
    await manager.handleBatch(batch(0, 0, [1], 100), control().c);
    const origin = tasks[0].process.bind(tasks[0]);
    tasks[0].process = (records) => {
      sizes.push(records.length);
      origin(records);
    };
    await manager.handleBatch(batch(0, 1, [1, 1, 1, 1, 1], 100), control().c);
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('fake: with commitWhenCaughtUp false a caught-up task waits for its interval', async () => {
    const { broker, manager, advance } = setup({ commitIntervalMs: 100, extra: { commitWhenCaughtUp: false } });
    await manager.handleBatch(batch(0, 0, [1]), control().c);
    expect(broker.log).toEqual([]);
    advance(100);
    await manager.handleBatch(batch(0, 1, [2]), control().c);
    expect(committedOf(broker)).toBe(2n);
  });

  it('fake: a task that fails to open closes its producer and is opened afresh by the next batch', async () => {
    const broker = new FakeBroker();
    const producers = new FakeProducers(broker);
    let attempts = 0;
    const manager = new TaskManager<SumTask>({
      groupId: 'g',
      factory: {
        transactionalId: (tp) => `g-${tp.topic}-${tp.partition}`,
        open: async (tp) => {
          if (attempts++ === 0) throw new Error('changelog unreadable');
          return new SumTask(tp.partition, 0);
        },
      },
      producers,
      offsets: broker,
      commitIntervalMs: 100,
      maxUncommittedRecords: 1000,
    });
    await expect(manager.handleBatch(batch(0, 0, [1]), control().c)).rejects.toThrow('changelog unreadable');
    expect(producers.closed).toBe(1);
    expect(manager.openTasks()).toEqual([]);
    await manager.handleBatch(batch(0, 0, [1]), control().c);
    expect(committedOf(broker)).toBe(1n);
    expect(producers.open_).toHaveLength(2);
  });

  it('fake: two batches of a new partition at once open one task', async () => {
    const { manager, producers, tasks } = setup();
    await Promise.all([manager.handleBatch(batch(0, 0, [1], 100), control().c), manager.handleBatch(batch(0, 1, [2], 100), control().c)]);
    expect(producers.open_).toHaveLength(1);
    expect(tasks).toHaveLength(1);
    expect(tasks[0].sum).toBe(3);
  });

  it('fake: the interval counts from the first record fed since the last commit', async () => {
    const { broker, manager, advance } = setup({ commitIntervalMs: 100 });
    await manager.handleBatch(batch(0, 0, [1], 100), control().c);
    advance(60);
    await manager.handleBatch(batch(0, 1, [1], 100), control().c);
    advance(39);
    await manager.tick();
    expect(broker.log).toEqual([]);
    advance(1);
    await manager.tick();
    expect(committedOf(broker)).toBe(2n);
  });

  it('fake: a commit with no output and no new position writes nothing', async () => {
    const { broker, manager, tasks, advance } = setup({ commitIntervalMs: 100 });
    await manager.handleBatch(batch(0, 0, [1]), control().c);
    expect(broker.log).toHaveLength(1);
    tasks[0].prepareCommit = () => [];
    tasks[0].punctuate = () => true;
    advance(1000);
    await manager.tick();
    expect(broker.log).toHaveLength(1);
  });

  it('fake: a commit by a batch cancels a pending linger; a failed lingered or timer commit is reported', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
    try {
      const warnings: string[] = [];
      const { broker, manager, producers, advance } = setup({ lingerMs: 50, extra: { observer: { onWarning: (message) => warnings.push(message) } } });
      await manager.handleBatch(batch(0, 0, [1]), control().c);
      advance(10);
      await manager.handleBatch(batch(0, 1, [2]), control().c); // lingering
      advance(10);
      await manager.handleBatch(batch(0, 2, [3, 3], 100), control().c); // behind: no commit
      advance(100);
      await manager.tick(); // interval: commits, clears the linger
      expect(broker.log).toHaveLength(2);
      await jest.advanceTimersByTimeAsync(100);
      expect(broker.log).toHaveLength(2);

      advance(10);
      await manager.handleBatch(batch(0, 4, [4]), control().c); // lingering again
      producers.open_[0].failNext = new Error('broker went away');
      advance(50);
      await jest.advanceTimersByTimeAsync(50);
      expect(warnings).toEqual(['lingered commit failed; the task will be restored']);
    } finally {
      jest.useRealTimers();
    }
  });

  it('fake: a failed timer commit is reported to the observer', async () => {
    const warnings: Array<[string, Record<string, unknown>]> = [];
    const { manager, producers, advance } = setup({ commitIntervalMs: 100, extra: { observer: { onWarning: (message, details) => warnings.push([message, details]) } } });
    await manager.handleBatch(batch(0, 0, [1], 100), control().c);
    const failure = new Error('broker went away');
    producers.open_[0].failNext = failure;
    advance(100);
    await manager.tick();
    expect(warnings).toEqual([['timer commit failed; the task will be restored', { err: failure, topic: 'in', partition: 0 }]]);
  });

  it('fake: markers skipped before the task is verified, or with a lag left, change nothing', async () => {
    const { broker, manager, tasks } = setup();
    await manager.skipped({ topic: 'in', partition: 0 }, '0', '1'); // no task yet
    await manager.handleBatch({ ...batch(0, 0, [1, 2]), highWatermark: '5' }, control().c);
    const seen: boolean[] = [];
    tasks[0].punctuate = (_now: number, context: { caughtUp: boolean }) => {
      seen.push(context.caughtUp);
      return false;
    };
    await manager.skipped({ topic: 'in', partition: 0 }, '3', '3', 1n); // lag left, not at the position
    await manager.skipped({ topic: 'in', partition: 0 }, '2', '2'); // at the position, lag unknown
    await manager.tick();
    expect(seen).toEqual([false]);
    expect(committedOf(broker)).toBe(3n);
    manager.assigned([{ topic: 'in', partition: 0 }]); // not verified now
    await manager.skipped({ topic: 'in', partition: 0 }, '3', '4', 0n);
    expect(committedOf(broker)).toBe(3n);
  });
});
