import { OffsetPosition, TableWrite, WarehouseAdapter } from './adapter';
import { baseTableSpec, ColumnDef, ExtraColumn, TableName } from './columns';
import { LoadRecord, WarehouseLoader } from './loader';

/** A fake warehouse: remembers its columns (fixed ones, loaded_at and what was added) and every call. */
class FakeAdapter implements WarehouseAdapter {
  readonly kind = 'duckdb' as const;
  readonly calls: string[] = [];
  readonly added = new Map<TableName, ColumnDef[]>();
  readonly writes: Array<{ writes: TableWrite[]; offsets: OffsetPosition[] }> = [];

  constructor(
    readonly storesOffsets = true,
    private readonly existing: Partial<Record<TableName, ColumnDef[]>> = {},
  ) {}

  async init(): Promise<void> {
    this.calls.push('init');
  }

  async describeColumns(table: TableName): Promise<ColumnDef[]> {
    this.calls.push(`describe ${table}`);
    return [...baseTableSpec(table).columns, { name: 'loaded_at', type: 'timestamp', nullable: true }, ...(this.existing[table] ?? []), ...(this.added.get(table) ?? [])];
  }

  async addColumns(table: TableName, columns: ColumnDef[]): Promise<void> {
    this.calls.push(`add ${table} ${columns.map((c) => c.name).join(',')}`);
    this.added.set(table, [...(this.added.get(table) ?? []), ...columns]);
  }

  async write(writes: TableWrite[], offsets: OffsetPosition[]): Promise<void> {
    this.writes.push({ writes, offsets });
  }

  async readOffsets(consumerGroup: string): Promise<OffsetPosition[]> {
    return [{ consumerGroup, topic: 't', partition: 0, nextOffset: 9 }];
  }

  isTransient(): boolean {
    return false;
  }

  async close(): Promise<void> {
    this.calls.push('close');
  }
}

const origin = (offset: number) => ({ topic: 'events.x', partition: 1, offset, timestamp: 1_700_000_000_000, schemaId: 4 });

function raw(eventId: string, offset: number, extras: ExtraColumn[] = [], extra: Record<string, unknown> = {}): LoadRecord<string> {
  return { kind: 'raw', value: { event_id: eventId, timestamp: 1_000, event_type: 'x', payload: { a: 1 }, ...extra }, origin: origin(offset), extras, ref: `raw-${offset}` };
}

function aggregate(version: number, offset: number, extras: ExtraColumn[] = [], extra: Record<string, unknown> = {}): LoadRecord<string> {
  return {
    kind: 'aggregate',
    value: { window_start: 0, window_end: 60_000, window_name: 'w', window_kind: 'tumbling', event_type: 'x', group_key: 'g', count: version, distinct_users: 1, version, processed_time: 5, ...extra },
    origin: origin(offset),
    extras,
    ref: `agg-${offset}`,
  };
}

const region: ExtraColumn = { field: 'region', name: 'region', type: 'string', nullable: true };

async function started(adapter = new FakeAdapter(), onColumnsAdded?: (table: TableName, columns: ColumnDef[]) => void) {
  const loader = new WarehouseLoader(adapter, onColumnsAdded);
  await loader.start();
  return loader;
}

describe('WarehouseLoader with a fake adapter', () => {
  it('fake: refuses to prepare or describe a table before start', async () => {
    const loader = new WarehouseLoader(new FakeAdapter());
    await expect(loader.prepare([raw('e1', 0)])).rejects.toThrow('WarehouseLoader.start() must be called first');
    expect(() => loader.spec('raw.events')).toThrow('WarehouseLoader.start() must be called first');
  });

  it('fake: start creates the tables, then learns each table its extra columns (never loaded_at), all nullable', async () => {
    const adapter = new FakeAdapter(true, { 'raw.events': [{ name: 'score', type: 'double', nullable: false }] });
    const loader = await started(adapter);
    expect(adapter.calls).toEqual(['init', 'describe raw.events', 'describe analytics.aggregated_events', 'describe analytics.aggregated_event_versions']);
    const rawSpec = loader.spec('raw.events');
    expect(rawSpec.columns).toEqual([...baseTableSpec('raw.events').columns, { name: 'score', type: 'double', nullable: true }]);
    expect(rawSpec.key).toEqual(['event_id']);
    expect(loader.spec('analytics.aggregated_events').columns).toEqual(baseTableSpec('analytics.aggregated_events').columns);
    expect(loader.columnTypes('raw.events').get('score')).toBe('double');
    expect(loader.columnTypes('raw.events').get('timestamp')).toBe('timestamp');
  });

  it('fake: maps raw events and aggregates to their tables, every aggregate version into the history, one row per key', async () => {
    const loader = await started();
    const prepared = await loader.prepare([raw('e1', 0), raw('e1', 1), raw('e2', 2), aggregate(1, 3), aggregate(3, 4), aggregate(2, 5)]);
    expect(prepared.rejected).toEqual([]);
    expect(prepared.rowCounts).toEqual({ 'raw.events': 2, 'analytics.aggregated_events': 1, 'analytics.aggregated_event_versions': 3 });
    expect(prepared.writes.map((w) => w.spec.name)).toEqual(['raw.events', 'analytics.aggregated_events', 'analytics.aggregated_event_versions']);
    const [events, latest, versions] = prepared.writes;
    // keep-existing: the first copy of e1 (offset 0).
    expect(events.rows.map((r) => [r.event_id, r.offset])).toEqual([
      ['e1', 0],
      ['e2', 2],
    ]);
    expect(latest.rows.map((r) => r.version)).toEqual([3]);
    expect(versions.rows.map((r) => r.version)).toEqual([1, 3, 2]);
    expect(events.spec).toBe(loader.spec('raw.events'));
  });

  it('fake: writes only the tables that have rows', async () => {
    const loader = await started();
    const onlyRaw = await loader.prepare([raw('e1', 0)]);
    expect(onlyRaw.writes.map((w) => w.spec.name)).toEqual(['raw.events']);
    expect(onlyRaw.rowCounts).toEqual({ 'raw.events': 1, 'analytics.aggregated_events': 0, 'analytics.aggregated_event_versions': 0 });
    const none = await loader.prepare([]);
    expect(none).toEqual({ writes: [], rejected: [], rowCounts: { 'raw.events': 0, 'analytics.aggregated_events': 0, 'analytics.aggregated_event_versions': 0 } });
  });

  it('fake: returns records that cannot be mapped with their error, and maps the rest', async () => {
    const loader = await started();
    const broken = raw('e1', 0, [], { payload: 'not a record' });
    const prepared = await loader.prepare([broken, raw('e2', 1), aggregate(1, 2, [], { group_key: 7 })]);
    expect(prepared.rejected.map((r) => [r.record.ref, r.error.message])).toEqual([
      ['raw-0', 'field payload is missing or not a record'],
      ['agg-2', 'field group_key is missing or not a string'],
    ]);
    expect(prepared.rowCounts['raw.events']).toBe(1);
  });

  it('fake: an error other than a mapping error is not swallowed', async () => {
    const loader = await started();
    const value = { event_id: 'e', event_type: 'x', payload: {} };
    Object.defineProperty(value, 'timestamp', {
      get() {
        throw new TypeError('broken record');
      },
      enumerable: true,
    });
    await expect(loader.prepare([{ kind: 'raw', value, origin: origin(0), extras: [], ref: 'r' }])).rejects.toThrow(TypeError);
  });

  it("fake: adds each missing extra column once, to the record kind's tables only, and reports it", async () => {
    const adapter = new FakeAdapter();
    const reported: Array<[TableName, string[]]> = [];
    const loader = await started(adapter, (table, columns) => reported.push([table, columns.map((c) => c.name)]));
    adapter.calls.length = 0;
    const level: ExtraColumn = { field: 'level', name: 'level', type: 'integer', nullable: false };
    const prepared = await loader.prepare([raw('e1', 0, [region], { region: 'eu' }), raw('e2', 1, [region, level], { region: 'us', level: 3 }), aggregate(1, 2, [level], { level: 4 })]);
    expect(adapter.calls).toEqual([
      'add raw.events region,level',
      'describe raw.events',
      'add analytics.aggregated_events level',
      'describe analytics.aggregated_events',
      'add analytics.aggregated_event_versions level',
      'describe analytics.aggregated_event_versions',
    ]);
    expect(adapter.added.get('raw.events')).toEqual([
      { name: 'region', type: 'string', nullable: true },
      { name: 'level', type: 'integer', nullable: true },
    ]);
    expect(reported).toEqual([
      ['raw.events', ['region', 'level']],
      ['analytics.aggregated_events', ['level']],
      ['analytics.aggregated_event_versions', ['level']],
    ]);
    expect(loader.spec('raw.events').columns.slice(-2).map((c) => c.name)).toEqual(['region', 'level']);
    expect(prepared.writes[0].rows.map((r) => [r.region, r.level])).toEqual([
      ['eu', undefined],
      ['us', 3],
    ]);
    // Known now: a second batch adds nothing.
    adapter.calls.length = 0;
    await loader.prepare([raw('e3', 3, [region], { region: 'ap' })]);
    expect(adapter.calls).toEqual([]);
    expect(reported).toHaveLength(3);
  });

  it("fake: an extra column that exists already keeps the database's type", async () => {
    const adapter = new FakeAdapter(true, { 'raw.events': [{ name: 'score', type: 'string', nullable: true }] });
    const loader = await started(adapter);
    const score: ExtraColumn = { field: 'score', name: 'score', type: 'double', nullable: true };
    const prepared = await loader.prepare([raw('e1', 0, [score], { score: 1.5 })]);
    expect(prepared.writes[0].rows[0].score).toBe('1.5');
    expect(adapter.added.size).toBe(0);
  });

  it('fake: writes rows with offsets in one call, and skips a write with nothing to store', async () => {
    const offsets: OffsetPosition[] = [{ consumerGroup: 'g', topic: 't', partition: 0, nextOffset: 5 }];
    const storing = new FakeAdapter(true);
    const loader = await started(storing);
    await loader.write({ writes: [] }, []);
    expect(storing.writes).toEqual([]);
    await loader.write({ writes: [] }, offsets);
    expect(storing.writes).toEqual([{ writes: [], offsets }]);
    const prepared = await loader.prepare([raw('e1', 0)]);
    await loader.write(prepared, []);
    expect(storing.writes[1]).toEqual({ writes: prepared.writes, offsets: [] });

    const notStoring = new FakeAdapter(false);
    const other = await started(notStoring);
    await other.write({ writes: [] }, offsets);
    expect(notStoring.writes).toEqual([]);
    const rows = await other.prepare([raw('e1', 0)]);
    await other.write(rows, offsets);
    expect(notStoring.writes).toEqual([{ writes: rows.writes, offsets }]);
  });

  it('fake: reads offsets from and closes the adapter', async () => {
    const adapter = new FakeAdapter();
    const loader = await started(adapter);
    await expect(loader.readOffsets('g')).resolves.toEqual([{ consumerGroup: 'g', topic: 't', partition: 0, nextOffset: 9 }]);
    await loader.close();
    expect(adapter.calls[adapter.calls.length - 1]).toBe('close');
  });
});
