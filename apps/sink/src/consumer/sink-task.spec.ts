/**
 * Sink tasks on the partition-task runtime, with the real TaskManager, SinkTask and committer over a
 * fake destination, a fake consumer (seeks, offset commits, ownership) and a fake DLQ.
 */
import { BatchControl, FetchedBatch, TaskManager } from '@platform/kafka';
import { Logger } from '@platform/runtime';
import { FlushPolicy } from '../buffer/flush-policy';
import { RecordDecoder } from '../decoding/record-decoder';
import { DeadLetter, DlqPublisher } from '../delivery/dlq-publisher';
import { BufferedChunk, Destination, FlushOutcome, PartitionPosition, SinkRecord } from '../destinations/destination';
import { DestinationCommitter } from './destination-committer';
import { SinkChunk, SinkTask } from './sink-task';

const TOPIC = 'events.clickstream';

class FakeDestination implements Destination {
  readonly name = 'lake' as const;
  readonly groupId = 'sink-lake';
  readonly written: Array<{ first: number; last: number; offsets: number[] }> = [];
  readonly positionCalls: number[] = [];
  failWrites = false;
  failRecords = new Set<number>();

  constructor(
    readonly commitRequired: boolean,
    private readonly positionOf: (firstDelivered: number) => PartitionPosition,
  ) {}

  async start(): Promise<void> {}
  async position(_topic: string, _partition: number, firstDelivered: number): Promise<PartitionPosition> {
    this.positionCalls.push(firstDelivered);
    return this.positionOf(firstDelivered);
  }
  writing = 0;
  mostAtOnce = 0;

  async write(chunks: BufferedChunk<SinkRecord>[]): Promise<FlushOutcome> {
    if (this.failWrites) throw new Error('disk full');
    this.mostAtOnce = Math.max(this.mostAtOnce, ++this.writing);
    await new Promise((resolve) => setImmediate(resolve));
    this.writing--;
    const outcome: FlushOutcome = { failed: [], rows: {}, objects: 0, bytes: 0 };
    for (const c of chunks) {
      this.written.push({ first: c.firstOffset, last: c.lastOffset, offsets: c.items.map((r) => r.offset) });
      for (const record of c.items)
        if (this.failRecords.has(record.offset)) outcome.failed.push({ record, error: new Error('no such column'), attempts: 3 });
    }
    return outcome;
  }
  describe(): string {
    return 'fake';
  }
  async close(): Promise<void> {}
}

const decoder = {
  decode: async (_topic: string, value: Buffer | null) =>
    value?.toString() === 'poison'
      ? { kind: 'poison', error: 'not Avro' }
      : { kind: 'raw', schemaId: 1, value: { v: value?.toString() }, extras: [] },
} as unknown as RecordDecoder;
const quiet = { warn: () => undefined, info: () => undefined, error: () => undefined } as unknown as Logger;

function setup(options: { position?: (first: number) => PartitionPosition; policy?: Partial<FlushPolicy>; commitRequired?: boolean } = {}) {
  const destination = new FakeDestination(options.commitRequired ?? true, options.position ?? (() => ({})));
  const policy: FlushPolicy = { maxRecords: 100, maxBytes: 1_000_000, maxAgeMs: 100, ...options.policy };
  const kafkaCommits: string[] = [];
  const letters: DeadLetter[] = [];
  const fatal: Error[] = [];
  const consumer = { owned: true, commitFailures: 0, leftGroup: false, staleCoordinator: false };
  const committer = new DestinationCommitter({
    destination,
    dlq: { publish: async (l: DeadLetter[]) => void letters.push(...l) } as unknown as DlqPublisher,
    reportsDecodeFailures: true,
    retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    logger: quiet,
    commitOffsets: async (offsets) => {
      if (consumer.leftGroup) throw Object.assign(new Error('The coordinator is not aware of this member'), { type: 'UNKNOWN_MEMBER_ID' });
      if (consumer.staleCoordinator) throw Object.assign(new Error('retries exceeded'), { cause: { type: 'NOT_COORDINATOR_FOR_GROUP' } });
      if (consumer.commitFailures > 0 || !consumer.owned) {
        consumer.commitFailures--;
        throw new Error('REBALANCE_IN_PROGRESS');
      }
      kafkaCommits.push(...offsets.map((o) => `${o.partition}@${o.offset}`));
    },
    owns: () => consumer.owned,
    isStopping: () => false,
    onFatal: (error) => fatal.push(error),
  });
  let now = 1_000;
  const manager = new TaskManager<SinkTask, SinkChunk>({
    groupId: destination.groupId,
    factory: {
      transactionalId: (tp) => `lake-${tp.partition}`,
      open: async (tp) => new SinkTask(tp, { destination, decoder, policy, now: () => now }),
    },
    producers: committer,
    commitIntervalMs: policy.maxAgeMs,
    maxUncommittedRecords: policy.maxRecords,
    commitWhenCaughtUp: false,
    now: () => now,
  });
  const offsetsWritten = () => destination.written.map((w) => w.offsets);
  return { destination, manager, committer, consumer, kafkaCommits, letters, fatal, offsetsWritten, advance: (ms: number) => (now += ms) };
}

/** Records at consecutive offsets from `first`; the partition ends after them unless `more` are left. */
function batch(first: number, values: string[], more = 0): FetchedBatch {
  const records = values.map((v, i) => ({ offset: String(first + i), key: null, value: Buffer.from(v), timestamp: '1767261601000' }));
  const lastOffset = String(first + values.length - 1);
  return { topic: TOPIC, partition: 0, records, lastOffset, highWatermark: String(first + values.length + more) };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const values = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);

function control(isActive: () => boolean = () => true) {
  const seeks: bigint[] = [];
  const c: BatchControl = { seek: (o) => void seeks.push(o), resolveOffset: () => undefined, heartbeat: async () => undefined, isActive };
  return { c, seeks };
}

/** Feeds two records, lets `fail` break what comes next, and returns the seeks of the next two records' batch, which must fail. */
async function failOnSecondBatch(s: ReturnType<typeof setup>, first: number, fail: () => void, error: string): Promise<bigint[]> {
  await s.manager.handleBatch(batch(first, values(2), 5), control().c);
  fail();
  const failing = control();
  await expect(s.manager.handleBatch(batch(first + 2, values(2), 5), failing.c)).rejects.toThrow(error);
  return failing.seeks;
}

describe('sink tasks on the partition-task runtime (fake destination, fake consumer)', () => {
  it('resumes at the offsets the destination stored: seeks past them and skips records fetched before the seek (fake destination)', async () => {
    const s = setup({ position: () => ({ floor: 5 }) });
    const first = control();
    await s.manager.handleBatch(batch(3, values(4)), first.c);
    expect(first.seeks).toEqual([5n]);
    await s.manager.handleBatch(batch(3, values(5)), control().c);
    await s.manager.commitAll();
    expect(s.offsetsWritten()).toEqual([[5, 6, 7]]);
    expect(s.kafkaCommits).toEqual(['0@8']);
  });

  it('writes by count, bytes and the age of the oldest record, not because the partition end was reached (fake destination)', async () => {
    const s = setup({ policy: { maxRecords: 3, maxBytes: 20, maxAgeMs: 100 } });
    await s.manager.handleBatch(batch(0, values(2)), control().c);
    s.advance(99);
    await s.manager.tick();
    expect(s.offsetsWritten()).toEqual([]);
    s.advance(1);
    await s.manager.tick();
    expect(s.offsetsWritten()).toEqual([[0, 1]]);
    await s.manager.handleBatch(batch(2, values(7), 10), control().c);
    expect(s.offsetsWritten()).toEqual([
      [0, 1],
      [2, 3, 4],
      [5, 6, 7],
    ]);
    // Bytes: two records of 12 bytes reach the 20-byte bound before the count does.
    await s.manager.handleBatch(batch(9, ['twelve bytes', 'twelve bytes'], 5), control().c);
    expect(s.offsetsWritten()).toEqual([
      [0, 1],
      [2, 3, 4],
      [5, 6, 7],
      [8, 9, 10],
    ]);
    expect(s.kafkaCommits).toEqual(['0@2', '0@5', '0@8', '0@11']);
  });

  it('a lake cut forces a commit exactly at the cut, and holds the batch until it is reached (fake destination)', async () => {
    const s = setup({ position: () => ({ cuts: [4, 7] }) });
    await s.manager.handleBatch(batch(2, values(2), 10), control().c);
    s.advance(500);
    await s.manager.tick();
    await s.manager.commitAll();
    expect(s.offsetsWritten()).toEqual([]); // due by age, but its batch must end at 4
    await s.manager.handleBatch(batch(4, values(6), 10), control().c);
    expect(s.offsetsWritten()).toEqual([range(2, 4), range(5, 7)]);
    await s.manager.commitAll();
    expect(s.offsetsWritten()).toEqual([range(2, 4), range(5, 7), [8, 9]]);
    expect(s.kafkaCommits).toEqual(['0@5', '0@8', '0@10']);
  });

  it('resuming inside an unfinished lake batch re-reads it from its first offset and cuts it as before (fake destination)', async () => {
    const s = setup({ position: (first) => (first > 3 ? { seekTo: 3, cuts: [6] } : { cuts: [6] }) });
    const inside = control();
    await s.manager.handleBatch(batch(5, values(3)), inside.c);
    expect(inside.seeks).toEqual([3n]);
    expect(s.offsetsWritten()).toEqual([]);
    await s.manager.handleBatch(batch(3, values(6)), control().c);
    expect(s.destination.positionCalls).toEqual([5, 3]);
    expect(s.offsetsWritten()).toEqual([range(3, 6)]);
  });

  it('writes of different partitions go to the destination one at a time (fake destination)', async () => {
    const s = setup();
    await s.manager.handleBatch(batch(0, values(2)), control().c);
    await s.manager.handleBatch({ ...batch(0, values(2)), partition: 1 }, control().c);
    await s.manager.commitAll();
    expect(s.offsetsWritten()).toEqual([
      [0, 1],
      [0, 1],
    ]);
    expect(s.destination.mostAtOnce).toBe(1);
  });

  it('a failed write closes the task, is fatal, and sends the consumer back to the stored position (fake destination)', async () => {
    const s = setup({ position: () => ({ floor: 2 }), policy: { maxRecords: 3 } });
    s.destination.failWrites = true;
    const failing = control();
    await expect(s.manager.handleBatch(batch(2, values(3), 5), failing.c)).rejects.toThrow('disk full');
    expect(failing.seeks).toEqual([2n]);
    expect(s.fatal.map((e) => e.message)).toEqual(['disk full']);
    expect(s.manager.openTasks()).toEqual([]);
    expect(s.kafkaCommits).toEqual([]);
  });

  it('with nothing stored or committed yet, a failed write goes back to the first offset fetched (fake destination)', async () => {
    const s = setup({ policy: { maxRecords: 3 } });
    const seeks = await failOnSecondBatch(s, 7, () => (s.destination.failWrites = true), 'disk full');
    expect(seeks).toEqual([7n]);
    expect(s.kafkaCommits).toEqual([]);
  });

  it('revocation mid-batch drops what was buffered: nothing is written or committed, the next owner reads it again (fake consumer)', async () => {
    const s = setup();
    let active = true;
    await s.manager.handleBatch(batch(0, values(3), 5), control(() => active).c);
    active = false;
    s.manager.assigned([]);
    await s.manager.commitAll();
    await s.manager.closeAll();
    expect(s.manager.openTasks()).toEqual([]);
    expect(s.offsetsWritten()).toEqual([]);
    expect(s.kafkaCommits).toEqual([]);
  });

  it('dead-letters undecodable records and records the destination refused, then commits past them (fake DLQ)', async () => {
    const s = setup();
    s.destination.failRecords.add(2);
    await s.manager.handleBatch(batch(0, ['a', 'poison', 'c']), control().c);
    await s.manager.commitAll();
    expect(s.letters.map((l) => `${l.offset}:${l.errorType}`)).toEqual(['1:DESERIALIZATION', '2:SINK_WRITE']);
    expect(s.kafkaCommits).toEqual(['0@3']);
  });

  it("the lake's Kafka commit is retried while the partition is owned, and left to the new owner once it moved (fake consumer)", async () => {
    const s = setup();
    s.consumer.commitFailures = 2;
    await s.manager.handleBatch(batch(0, values(2)), control().c);
    await s.manager.commitAll();
    expect(s.kafkaCommits).toEqual(['0@2']);
    s.consumer.owned = false;
    await s.manager.handleBatch(batch(2, values(2)), control().c);
    await s.manager.commitAll();
    expect(s.offsetsWritten()).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(s.kafkaCommits).toEqual(['0@2']);
    expect(s.fatal).toEqual([]);
  });

  it('a required Kafka commit refused because the member left the group fails the task, not the process: the consumer goes back (fake consumer)', async () => {
    const s = setup({ policy: { maxRecords: 2 } });
    const seeks = await failOnSecondBatch(s, 0, () => (s.consumer.leftGroup = true), 'offsets not committed');
    expect(s.offsetsWritten()).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(s.kafkaCommits).toEqual(['0@2']);
    expect(seeks).toEqual([2n]);
    expect(s.fatal).toEqual([]);
    expect(s.manager.openTasks()).toEqual([]);
  });

  it('a required Kafka commit refused by a node that is no longer the group coordinator stops the process, so a new consumer finds the coordinator (fake consumer)', async () => {
    const s = setup({ policy: { maxRecords: 2 } });
    await failOnSecondBatch(s, 0, () => (s.consumer.staleCoordinator = true), 'offsets not committed');
    expect(s.offsetsWritten()).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(s.kafkaCommits).toEqual(['0@2']);
    expect(s.fatal.map((e) => e.message)).toEqual([expect.stringContaining('Kafka offsets not committed after the write')]);
  });

  it('a warehouse that stores its offsets tolerates a failed Kafka commit (fake consumer)', async () => {
    const s = setup({ commitRequired: false });
    s.consumer.commitFailures = 1;
    await s.manager.handleBatch(batch(0, values(2)), control().c);
    await s.manager.commitAll();
    expect(s.offsetsWritten()).toEqual([[0, 1]]);
    expect(s.kafkaCommits).toEqual([]);
    expect(s.fatal).toEqual([]);
    expect(s.committer.transientSince).toBeNull();
  });
});
