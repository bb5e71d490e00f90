/**
 * What every warehouse adapter must do with repeated keys, as jest tests over a real database: raw
 * events keep the first row written for an event_id, aggregates keep the row with the highest version
 * (an older or equal version never replaces a newer one), offsets only move forward, and rows and
 * offsets are written together or not at all. Used by the DuckDB unit spec (in-process) and the
 * PostgreSQL e2e test (real server). Also the small table the adapters' SQL text specs render.
 */
import { baseTableSpec, OffsetPosition, Row, TableSpec, WarehouseAdapter } from '@platform/warehouse';

const RAW = baseTableSpec('raw.events');
const AGG = baseTableSpec('analytics.aggregated_events');
const WINDOW_START = Date.UTC(2026, 2, 3, 14, 0, 0);

export function rawRow(eventId: string, payload: Record<string, unknown>, offset: number): Row {
  return {
    event_id: eventId,
    timestamp: WINDOW_START + 1000,
    event_type: 'transaction',
    user_id: 'u1',
    device_id: null,
    trace_id: null,
    payload: JSON.stringify(payload),
    metadata: null,
    topic: 'events.transaction',
    partition: 0,
    offset,
    schema_id: 1,
    ingestion_time: WINDOW_START + 2000,
  };
}

export function aggregateRow(version: number, count: number, offset: number, groupKey = 'AAPL'): Row {
  return {
    window_start: WINDOW_START,
    window_end: WINDOW_START + 60_000,
    window_name: '1m',
    window_kind: 'tumbling',
    event_type: 'transaction',
    group_key: groupKey,
    count,
    sum_value: count * 1.5,
    avg_value: 1.5,
    min_value: 1,
    max_value: 2,
    distinct_users: 1,
    version,
    is_final: false,
    processed_time: WINDOW_START + 90_000,
    topic: 'events.aggregated',
    partition: 0,
    offset,
    schema_id: 2,
  };
}

/** A small versioned table (key, timestamp, JSON document, version): each adapter spec renders its SQL for it. */
export const versionedTableSpec: TableSpec = {
  name: 'analytics.aggregated_events',
  schema: 'analytics',
  table: 'agg',
  key: ['k'],
  conflict: { kind: 'newer-version-wins', versionColumn: 'version' },
  columns: [
    { name: 'k', type: 'string', nullable: false },
    { name: 'at', type: 'timestamp', nullable: false },
    { name: 'doc', type: 'json', nullable: true },
    { name: 'version', type: 'integer', nullable: false },
  ],
};

export interface WarehouseProbe {
  adapter: WarehouseAdapter;
  /** Rows of a table as plain values, ordered by key. */
  query(sql: string): Promise<Array<Record<string, unknown>>>;
}

export function warehouseUpsertContract(open: () => Promise<WarehouseProbe>, close: (probe: WarehouseProbe) => Promise<void>): void {
  let probe: WarehouseProbe;
  beforeEach(async () => {
    probe = await open();
    await probe.adapter.init();
  });
  afterEach(async () => close(probe));

  const aggregates = async () =>
    (await probe.query('SELECT group_key, version, "count", "offset" FROM analytics.aggregated_events ORDER BY group_key')).map((r) => ({
      group_key: String(r.group_key),
      version: Number(r.version),
      count: Number(r.count),
      offset: Number(r.offset),
    }));

  it('aggregates: a higher version replaces the row, an older or equal version does not', async () => {
    await probe.adapter.write([{ spec: AGG, rows: [aggregateRow(2, 20, 100)] }], []);
    await probe.adapter.write([{ spec: AGG, rows: [aggregateRow(1, 10, 101)] }], []);
    expect(await aggregates()).toEqual([{ group_key: 'AAPL', version: 2, count: 20, offset: 100 }]);
    await probe.adapter.write([{ spec: AGG, rows: [aggregateRow(2, 99, 102)] }], []);
    expect(await aggregates()).toEqual([{ group_key: 'AAPL', version: 2, count: 20, offset: 100 }]);
    await probe.adapter.write([{ spec: AGG, rows: [aggregateRow(3, 30, 103), aggregateRow(1, 5, 104, 'MSFT')] }], []);
    expect(await aggregates()).toEqual([
      { group_key: 'AAPL', version: 3, count: 30, offset: 103 },
      { group_key: 'MSFT', version: 1, count: 5, offset: 104 },
    ]);
  });

  it('raw events: the first row written for an event_id stays', async () => {
    await probe.adapter.write([{ spec: RAW, rows: [rawRow('evt-1', { amount: 1 }, 10)] }], []);
    await probe.adapter.write([{ spec: RAW, rows: [rawRow('evt-1', { amount: 2 }, 11), rawRow('evt-2', { amount: 3 }, 12)] }], []);
    const rows = await probe.query('SELECT event_id, "offset", CAST(payload AS VARCHAR) AS payload FROM raw.events ORDER BY event_id');
    expect(rows.map((r) => [String(r.event_id), Number(r.offset), JSON.parse(String(r.payload))])).toEqual([
      ['evt-1', 10, { amount: 1 }],
      ['evt-2', 12, { amount: 3 }],
    ]);
  });

  it('offsets only move forward, per consumer group, topic and partition', async () => {
    const at = (partition: number, nextOffset: number, consumerGroup = 'g1'): OffsetPosition => ({ consumerGroup, topic: 'events.transaction', partition, nextOffset });
    await probe.adapter.write([], [at(0, 10), at(1, 5), at(0, 3, 'g2')]);
    await probe.adapter.write([], [at(0, 7), at(1, 6)]);
    const sorted = (list: OffsetPosition[]) => [...list].sort((a, b) => a.partition - b.partition);
    expect(sorted(await probe.adapter.readOffsets('g1'))).toEqual([at(0, 10), at(1, 6)]);
    expect(await probe.adapter.readOffsets('g2')).toEqual([at(0, 3, 'g2')]);
    expect(await probe.adapter.readOffsets('nobody')).toEqual([]);
  });

  it('writes rows and offsets together or not at all', async () => {
    await probe.adapter.write([{ spec: AGG, rows: [aggregateRow(1, 1, 1)] }], [{ consumerGroup: 'g', topic: 't', partition: 0, nextOffset: 2 }]);
    const broken = { ...aggregateRow(5, 5, 5, 'MSFT'), event_type: null };
    await expect(probe.adapter.write([{ spec: AGG, rows: [aggregateRow(9, 9, 9), broken] }], [{ consumerGroup: 'g', topic: 't', partition: 0, nextOffset: 10 }])).rejects.toThrow();
    expect(await aggregates()).toEqual([{ group_key: 'AAPL', version: 1, count: 1, offset: 1 }]);
    expect(await probe.adapter.readOffsets('g')).toEqual([{ consumerGroup: 'g', topic: 't', partition: 0, nextOffset: 2 }]);
  });
}
