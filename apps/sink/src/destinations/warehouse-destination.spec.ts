/**
 * The warehouse destination over Snowflake with a fake connection that records statements: no
 * offsets in the warehouse, the Kafka commit (done by the committer once `write` resolves) is required,
 * and a MERGE that fails while Snowflake is unreachable is retried until it commits.
 */
import { ColumnDef, OffsetPosition, SnowflakeAdapter, SqlSession, TableName, TableWrite, WarehouseAdapter, WarehouseLoader } from '@platform/warehouse';
import { BufferedChunk, DeliverySettings, partitionKey, SinkRecord } from './destination';
import { WarehouseDestination } from './warehouse-destination';

class RecordingSession implements SqlSession {
  readonly statements: string[] = [];
  failures = 0;

  async execute(sql: string): Promise<Array<Record<string, unknown>>> {
    this.statements.push(sql);
    if (sql.startsWith('MERGE') && this.failures > 0) {
      this.failures--;
      throw Object.assign(new Error('Network error. Could not reach Snowflake.'), { code: 401001 });
    }
    return [];
  }

  async close(): Promise<void> {}
}

function chunkOf(records: SinkRecord[]): BufferedChunk<SinkRecord> {
  return { topic: records[0].topic, partition: records[0].partition, firstOffset: records[0].offset, lastOffset: records[records.length - 1].offset, bytes: 0, oldestAt: 0, items: records };
}

function rawRecord(offset: number): SinkRecord {
  const value = { event_id: `e-${offset}`, timestamp: 1_767_261_601_000, event_type: 'clickstream', user_id: 'u-1', payload: { page: '/' }, metadata: null };
  return { topic: 'events.clickstream', partition: 1, offset, timestamp: 1_767_261_601_500, key: null, value: null, headers: {}, bytes: 10, decoded: { kind: 'raw', schemaId: 2, value, extras: [] } };
}

const delivery: DeliverySettings = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 };

describe('warehouse destination on Snowflake (fake connection)', () => {
  it('requires the Kafka commit after the MERGE and stores no offsets in Snowflake (fake connection)', async () => {
    const session = new RecordingSession();
    const destination = new WarehouseDestination(new WarehouseLoader(new SnowflakeAdapter(session)), 'sink-warehouse');
    await destination.start();
    expect(destination.commitRequired).toBe(true);
    expect(await destination.storedOffsets()).toEqual(new Map());
    expect(await destination.position('events.clickstream', 1)).toEqual({});
  });

  it('retries a MERGE that failed while Snowflake was unreachable and resolves only after COMMIT (fake connection)', async () => {
    const session = new RecordingSession();
    const destination = new WarehouseDestination(new WarehouseLoader(new SnowflakeAdapter(session)), 'sink-warehouse');
    await destination.start();
    session.statements.length = 0;
    session.failures = 2;
    const outcome = await destination.write([chunkOf([rawRecord(4), rawRecord(5)])], delivery);
    expect(outcome.failed).toEqual([]);
    expect(outcome.rows).toEqual({ 'raw.events': 2, 'analytics.aggregated_events': 0, 'analytics.aggregated_event_versions': 0 });
    const tail = session.statements.map((s) => s.split(' ')[0]);
    expect(tail.filter((k) => k === 'ROLLBACK')).toHaveLength(2);
    expect(tail[tail.length - 1]).toBe('COMMIT');
    expect(tail.filter((k) => k === 'COMMIT')).toHaveLength(1);
  });
});

/**
 * A fake warehouse adapter in memory: records every write (rows by event id, offsets) and every
 * offsets read; a write holding an event id in `badIds` fails with a data error (not transient), and
 * every write fails while `failEveryWrite` is set.
 */
class FakeAdapter implements WarehouseAdapter {
  readonly kind = 'duckdb' as const;
  readonly writes: Array<{ ids: string[]; rows: Array<Record<string, unknown>>; offsets: OffsetPosition[] }> = [];
  stored: OffsetPosition[] = [];
  offsetReads = 0;
  failReads = 0;
  readonly badIds = new Set<string>();
  failEveryWrite?: string;
  closed = false;

  constructor(readonly storesOffsets: boolean) {}

  async init(): Promise<void> {}
  async describeColumns(_table: TableName): Promise<ColumnDef[]> {
    return [];
  }
  async addColumns(): Promise<void> {}
  async write(writes: TableWrite[], offsets: OffsetPosition[]): Promise<void> {
    const rows = writes.flatMap((w) => w.rows);
    const ids = rows.map((r) => String(r.event_id));
    this.writes.push({ ids, rows, offsets });
    if (this.failEveryWrite) throw new Error(this.failEveryWrite);
    const bad = ids.find((id) => this.badIds.has(id));
    if (bad) throw new Error(`value out of range in ${bad}`);
  }
  async readOffsets(consumerGroup: string): Promise<OffsetPosition[]> {
    this.offsetReads++;
    if (this.failReads > 0) {
      this.failReads--;
      throw new Error('connection lost');
    }
    return this.stored.filter((p) => p.consumerGroup === consumerGroup);
  }
  isTransient(): boolean {
    return false;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

function poisonRecord(offset: number): SinkRecord {
  return { ...rawRecord(offset), decoded: { kind: 'poison', error: 'record has no value' } };
}

async function fakeDestination(storesOffsets: boolean) {
  const adapter = new FakeAdapter(storesOffsets);
  const destination = new WarehouseDestination(new WarehouseLoader(adapter), 'sink-warehouse');
  await destination.start();
  return { adapter, destination };
}

const noSleep: DeliverySettings = { ...delivery, sleep: async () => undefined };

describe('warehouse destination storing offsets with the rows (fake warehouse adapter)', () => {
  afterEach(() => jest.useRealTimers());

  it('needs no Kafka commit, names its warehouse and closes it (fake adapter)', async () => {
    const { adapter, destination } = await fakeDestination(true);
    expect(destination.commitRequired).toBe(false);
    expect(destination.describe()).toBe('warehouse (duckdb)');
    await destination.close();
    expect(adapter.closed).toBe(true);
  });

  it('reads the stored next offsets of its own group by partition, and a partition floor from them (fake adapter)', async () => {
    const { adapter, destination } = await fakeDestination(true);
    adapter.stored = [
      { consumerGroup: 'sink-warehouse', topic: 'events.clickstream', partition: 1, nextOffset: 17 },
      { consumerGroup: 'other-group', topic: 'events.clickstream', partition: 2, nextOffset: 99 },
    ];
    expect(await destination.storedOffsets()).toEqual(new Map([[partitionKey('events.clickstream', 1), 17]]));
    expect(await destination.position('events.clickstream', 1)).toEqual({ floor: 17 });
    expect(await destination.position('events.clickstream', 2)).toStrictEqual({});
  });

  it('one offsets read serves the partitions assigned within 2 s; a later one, or one after a write, reads again (fake adapter)', async () => {
    jest.useFakeTimers({ now: 1_000_000, doNotFake: ['setTimeout', 'setImmediate', 'nextTick', 'queueMicrotask'] });
    const { adapter, destination } = await fakeDestination(true);
    adapter.stored = [{ consumerGroup: 'sink-warehouse', topic: 'events.clickstream', partition: 1, nextOffset: 5 }];
    await destination.position('events.clickstream', 1);
    jest.setSystemTime(1_002_000);
    await destination.position('events.clickstream', 2);
    expect(adapter.offsetReads).toBe(1);
    jest.setSystemTime(1_002_001);
    adapter.stored = [{ consumerGroup: 'sink-warehouse', topic: 'events.clickstream', partition: 1, nextOffset: 8 }];
    expect(await destination.position('events.clickstream', 1)).toEqual({ floor: 8 });
    expect(adapter.offsetReads).toBe(2);
    await destination.write([chunkOf([rawRecord(8)])], noSleep);
    adapter.stored = [{ consumerGroup: 'sink-warehouse', topic: 'events.clickstream', partition: 1, nextOffset: 9 }];
    expect(await destination.position('events.clickstream', 1)).toEqual({ floor: 9 });
    expect(adapter.offsetReads).toBe(3);
  });

  it('does not keep a failed offsets read: the next assignment reads again (fake adapter)', async () => {
    const { adapter, destination } = await fakeDestination(true);
    adapter.failReads = 1;
    adapter.stored = [{ consumerGroup: 'sink-warehouse', topic: 'events.clickstream', partition: 1, nextOffset: 3 }];
    await expect(destination.position('events.clickstream', 1)).rejects.toThrow('connection lost');
    expect(await destination.position('events.clickstream', 1)).toEqual({ floor: 3 });
    expect(adapter.offsetReads).toBe(2);
  });

  it('writes the rows of every chunk with each partition’s next offset in one write, skipping poison records (fake adapter)', async () => {
    const { adapter, destination } = await fakeDestination(true);
    const other = { ...rawRecord(20), partition: 3, offset: 20 };
    const outcome = await destination.write([chunkOf([rawRecord(4), poisonRecord(5), rawRecord(6)]), chunkOf([other])], noSleep);
    expect(outcome).toEqual({ failed: [], rows: { 'raw.events': 3, 'analytics.aggregated_events': 0, 'analytics.aggregated_event_versions': 0 }, objects: 0, bytes: 0 });
    expect(adapter.writes).toHaveLength(1);
    expect(adapter.writes[0].ids).toEqual(['e-4', 'e-6', 'e-20']);
    expect(adapter.writes[0].offsets).toEqual([
      { consumerGroup: 'sink-warehouse', topic: 'events.clickstream', partition: 1, nextOffset: 7 },
      { consumerGroup: 'sink-warehouse', topic: 'events.clickstream', partition: 3, nextOffset: 21 },
    ]);
    // Each row carries where its record came from.
    expect(adapter.writes[0].rows[2]).toMatchObject({ topic: 'events.clickstream', partition: 3, offset: 20, schema_id: 2, ingestion_time: 1_767_261_601_500 });
  });

  it('after a split around a bad record, the halves carry no offsets and the offsets are stored on their own (fake adapter)', async () => {
    const { adapter, destination } = await fakeDestination(true);
    adapter.badIds.add('e-5');
    const outcome = await destination.write([chunkOf([rawRecord(4), rawRecord(5), rawRecord(6)])], noSleep);
    expect(adapter.writes.map((w) => w.ids)).toEqual([['e-4', 'e-5', 'e-6'], ['e-4', 'e-5', 'e-6'], ['e-4', 'e-5'], ['e-4'], ['e-5'], ['e-6'], []]);
    const offsets = { consumerGroup: 'sink-warehouse', topic: 'events.clickstream', partition: 1, nextOffset: 7 };
    expect(adapter.writes.map((w) => w.offsets)).toEqual([[offsets], [offsets], [], [], [], [], [offsets]]);
    expect(outcome.failed).toEqual([{ record: expect.objectContaining({ offset: 5 }), error: new Error('value out of range in e-5'), attempts: 2 }]);
    expect(outcome.rows).toEqual({ 'raw.events': 2, 'analytics.aggregated_events': 0, 'analytics.aggregated_event_versions': 0 });
  });

  it('returns a record the loader cannot map for the DLQ after one attempt, once, beside the written rows (fake adapter)', async () => {
    const { adapter, destination } = await fakeDestination(true);
    const unmappable = rawRecord(5);
    unmappable.decoded = { kind: 'raw', schemaId: 2, value: { ...(rawRecord(5).decoded as { value: Record<string, unknown> }).value, event_id: '' }, extras: [] };
    const outcome = await destination.write([chunkOf([rawRecord(4), unmappable])], noSleep);
    expect(outcome.failed).toEqual([{ record: unmappable, error: expect.objectContaining({ message: 'field event_id is missing or not a string' }), attempts: 1 }]);
    expect(adapter.writes.map((w) => w.ids)).toEqual([['e-4']]);
  });

  it('a record the loader cannot map, in a write that fails, is returned once, with the write’s error and attempts (fake adapter)', async () => {
    const { adapter, destination } = await fakeDestination(true);
    adapter.failEveryWrite = 'disk full';
    const unmappable = rawRecord(5);
    unmappable.decoded = { kind: 'raw', schemaId: 2, value: { ...(rawRecord(5).decoded as { value: Record<string, unknown> }).value, event_id: '' }, extras: [] };
    const outcome = await destination.write([chunkOf([unmappable])], noSleep);
    expect(outcome.failed).toEqual([{ record: unmappable, error: new Error('disk full'), attempts: 2 }]);
    // No rows were left to write: the batch's offsets, twice, then (not whole) the offsets on their own, twice.
    expect(adapter.writes.map((w) => [w.ids, w.offsets.length])).toEqual([[[], 1], [[], 1], [[], 1], [[], 1]]);
  });
});

describe('warehouse destination without offsets in the warehouse (fake warehouse adapter)', () => {
  it('writes no offsets with the rows, and none on their own after a split (fake adapter)', async () => {
    const { adapter, destination } = await fakeDestination(false);
    adapter.badIds.add('e-5');
    await destination.write([chunkOf([rawRecord(4), rawRecord(5)])], noSleep);
    expect(adapter.writes.map((w) => w.ids)).toEqual([['e-4', 'e-5'], ['e-4', 'e-5'], ['e-4'], ['e-5']]);
    expect(adapter.writes.every((w) => w.offsets.length === 0)).toBe(true);
    expect(await destination.storedOffsets()).toEqual(new Map());
    expect(await destination.position('events.clickstream', 1)).toStrictEqual({});
    expect(adapter.offsetReads).toBe(0);
  });
});
