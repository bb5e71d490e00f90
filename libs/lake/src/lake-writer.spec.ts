import { promises as fs } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { DuckDBInstance } from '@duckdb/node-api';
import { MappedRow } from '@platform/warehouse';
import { LakeWriter, objectColumns, PartitionBatch, planLakeObjects } from './lake-writer';
import { LocalLakeStore } from './local-store';
import { ParquetEncoder } from './parquet';

// Hand-written: the fixed columns of raw.events and analytics.aggregated_events, in table order.
const RAW = ['event_id', 'timestamp', 'event_type', 'user_id', 'device_id', 'trace_id', 'payload', 'metadata', 'topic', 'partition', 'offset', 'schema_id', 'ingestion_time'];
const AGGREGATED = [
  'window_start', 'window_end', 'window_name', 'window_kind', 'event_type', 'group_key', 'count', 'sum_value', 'avg_value', 'min_value', 'max_value',
  'distinct_users', 'version', 'is_final', 'processed_time', 'topic', 'partition', 'offset', 'schema_id',
];

const H05 = Date.parse('2026-03-04T05:59:59.999Z');
const H06 = Date.parse('2026-03-04T06:00:00.000Z');

function raw(id: string, offset: number, eventTime: number, extra: Record<string, unknown> = {}, extras: MappedRow['extras'] = []): MappedRow {
  return {
    table: 'raw.events',
    row: { event_id: id, timestamp: eventTime, event_type: 'page_view', payload: '{}', topic: 'events.page_view', partition: 3, offset, schema_id: 7, ingestion_time: eventTime, ...extra },
    extras,
    eventTime,
  };
}

/** A row's values in RAW column order, unset columns null, then `tail`. */
function rawValues(id: string, offset: number, eventTime: number, tail: unknown[] = []): unknown[] {
  return [id, eventTime, 'page_view', null, null, null, '{}', null, 'events.page_view', 3, offset, 7, eventTime, ...tail];
}

describe('objectColumns', () => {
  it('is the raw.events columns for raw rows and for no rows', () => {
    expect(objectColumns([raw('a', 1, H05)]).map((c) => c.name)).toEqual(RAW);
    expect(objectColumns([]).map((c) => c.name)).toEqual(RAW);
  });

  it('is the aggregated_events columns for aggregate rows', () => {
    const aggregate: MappedRow = { table: 'analytics.aggregated_events', row: {}, extras: [], eventTime: H05 };
    expect(objectColumns([aggregate]).map((c) => c.name)).toEqual(AGGREGATED);
  });

  it('appends each extra column once, in order of first appearance, nullable, the first type winning', () => {
    const rows = [
      raw('a', 1, H05, {}, [{ field: 'amount', name: 'amount', type: 'double', nullable: false }]),
      raw('b', 2, H05, {}, [
        { field: 'amount', name: 'amount', type: 'bigint', nullable: false },
        { field: 'coupon', name: 'coupon', type: 'string', nullable: false },
      ]),
      raw('c', 3, H05, {}, [{ field: 'event_id', name: 'event_id', type: 'json', nullable: true }]),
    ];
    const columns = objectColumns(rows);
    expect(columns.slice(RAW.length)).toEqual([
      { name: 'amount', type: 'double', nullable: true },
      { name: 'coupon', type: 'string', nullable: true },
    ]);
    expect(columns[0]).toEqual({ name: 'event_id', type: 'string', nullable: false });
  });
});

describe('planLakeObjects', () => {
  const batch: PartitionBatch = {
    topic: 'events.page_view',
    partition: 3,
    firstOffset: 98,
    lastOffset: 140,
    rows: [raw('e100', 100, H05), raw('e99', 99, H06, { user_id: 'u1' }), raw('e101', 101, H06), raw('e98', 98, H05, { user_id: undefined })],
  };

  it('plans one object per event-time hour, named by the batch offset range, sorted by key, rows in offset order', () => {
    expect(planLakeObjects('lake/', batch)).toEqual([
      {
        key: 'lake/events.page_view/dt=2026-03-04/hr=05/events.page_view-p3-98-140.parquet',
        columns: objectColumns([]),
        values: [rawValues('e98', 98, H05), rawValues('e100', 100, H05)],
      },
      {
        key: 'lake/events.page_view/dt=2026-03-04/hr=06/events.page_view-p3-98-140.parquet',
        columns: objectColumns([]),
        values: [
          ['e99', H06, 'page_view', 'u1', null, null, '{}', null, 'events.page_view', 3, 99, 7, H06],
          rawValues('e101', 101, H06),
        ],
      },
    ]);
  });

  it('gives each hour the extra columns of its own rows only', () => {
    const amount = { field: 'amount', name: 'amount', type: 'double' as const, nullable: true };
    const planned = planLakeObjects('', { ...batch, rows: [raw('a', 1, H05, { amount: 2.5 }, [amount]), raw('b', 2, H06)] });
    expect(planned.map((p) => p.key)).toEqual(['events.page_view/dt=2026-03-04/hr=05/events.page_view-p3-98-140.parquet', 'events.page_view/dt=2026-03-04/hr=06/events.page_view-p3-98-140.parquet']);
    expect(planned[0].values).toEqual([rawValues('a', 1, H05, [2.5])]);
    expect(planned[1].columns.map((c) => c.name)).toEqual(RAW);
  });

  it('sorts the objects by key, whichever hour holds the lowest offset', () => {
    const planned = planLakeObjects('', { ...batch, rows: [raw('late-hour', 1, H06), raw('early-hour', 2, H05)] });
    expect(planned.map((p) => p.key)).toEqual(['events.page_view/dt=2026-03-04/hr=05/events.page_view-p3-98-140.parquet', 'events.page_view/dt=2026-03-04/hr=06/events.page_view-p3-98-140.parquet']);
  });

  it('plans nothing for a batch without rows', () => {
    expect(planLakeObjects('lake', { ...batch, rows: [] })).toEqual([]);
  });
});

describe('LakeWriter on a local directory and real Parquet files', () => {
  let root: string;
  let store: LocalLakeStore;
  let writer: LakeWriter;

  beforeEach(async () => {
    root = await fs.mkdtemp(join(tmpdir(), 'lake-writer-'));
    store = new LocalLakeStore(root);
    await store.open();
    writer = new LakeWriter(store, new ParquetEncoder(), { prefix: 'lake', consumerGroup: 'sink-lake' });
  });

  afterEach(async () => {
    writer.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  async function readParquet(key: string): Promise<Record<string, unknown>[]> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(`SELECT event_id, "offset", user_id, amount FROM read_parquet('${join(root, key)}')`);
      return reader.getRowObjectsJS();
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }

  it('writes the manifest and one Parquet object per hour at its documented key, and reports their total size', async () => {
    const amount = { field: 'amount', name: 'amount', type: 'double' as const, nullable: true };
    const before = Date.now();
    const result = await writer.writeBatch({
      topic: 'events.page_view',
      partition: 3,
      firstOffset: 10,
      lastOffset: 12,
      rows: [raw('b', 11, H06, { amount: 1.5 }, [amount]), raw('a', 10, H05, { user_id: 'u1', amount: 0.25 }, [amount]), raw('c', 12, H06, {}, [amount])],
    });
    const keys = ['lake/events.page_view/dt=2026-03-04/hr=05/events.page_view-p3-10-12.parquet', 'lake/events.page_view/dt=2026-03-04/hr=06/events.page_view-p3-10-12.parquet'];
    expect(result.objects).toEqual(keys);
    const sizes = await Promise.all(keys.map(async (k) => (await fs.stat(join(root, k))).size));
    expect(sizes.every((s) => s > 0)).toBe(true);
    expect(result.bytes).toBe(sizes[0] + sizes[1]);

    const manifest = JSON.parse(await fs.readFile(join(root, 'lake/_manifests/sink-lake/events.page_view/p3.json'), 'utf8'));
    expect(manifest).toEqual({ consumer_group: 'sink-lake', topic: 'events.page_view', partition: 3, first_offset: 10, last_offset: 12, objects: keys, written_at: expect.any(String) });
    expect(Date.parse(manifest.written_at)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(manifest.written_at)).toBeLessThanOrEqual(Date.now());
    expect(await writer.readIntent('events.page_view', 3)).toEqual(manifest);

    expect(await readParquet(keys[0])).toEqual([{ event_id: 'a', offset: 10n, user_id: 'u1', amount: 0.25 }]);
    expect(await readParquet(keys[1])).toEqual([
      { event_id: 'b', offset: 11n, user_id: null, amount: 1.5 },
      { event_id: 'c', offset: 12n, user_id: null, amount: null },
    ]);
    expect(await fs.readdir(join(root, '_tmp'))).toEqual([]);
  });

  it('releases its Parquet encoder when closed', () => {
    const encoder = new ParquetEncoder();
    const close = jest.spyOn(encoder, 'close');
    new LakeWriter(store, encoder, { prefix: 'lake', consumerGroup: 'g' }).close();
    expect(close).toHaveBeenCalledTimes(1);
  });

  it('writes nothing, not even a manifest, for a batch without rows', async () => {
    expect(await writer.writeBatch({ topic: 't', partition: 0, firstOffset: 5, lastOffset: 9, rows: [] })).toEqual({ objects: [], bytes: 0 });
    expect(await writer.readIntent('t', 0)).toBeNull();
    expect(await store.list('lake')).toEqual([]);
  });

  it('reads no intent where there is no manifest, and refuses a manifest whose offsets are not numbers', async () => {
    expect(await writer.readIntent('events.page_view', 1)).toBeNull();
    await store.putBytes('lake/_manifests/sink-lake/t/p1.json', Buffer.from(JSON.stringify({ first_offset: '1', last_offset: 2 })));
    await expect(writer.readIntent('t', 1)).rejects.toThrow('lake manifest for t/1 is malformed');
    await store.putBytes('lake/_manifests/sink-lake/t/p2.json', Buffer.from(JSON.stringify({ first_offset: 1, last_offset: '2' })));
    await expect(writer.readIntent('t', 2)).rejects.toThrow('lake manifest for t/2 is malformed');
  });
});
