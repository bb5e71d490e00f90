/**
 * The one warehouse loader: maps decoded records to rows, adds a nullable column for each new
 * optional field a newer schema version brings, keeps one row per key (highest aggregate version),
 * and hands both tables plus the offsets to the adapter as one write. The adapter decides the SQL.
 */
import { baseTableSpec, ColumnDef, ColumnType, ExtraColumn, LOADED_AT_COLUMN, TableName, TableSpec } from './columns';
import { OffsetPosition, TableWrite, WarehouseAdapter } from './adapter';
import { selectRows } from './batch';
import { MappedRow, mapAggregate, mapRawEvent, RecordOrigin, RowMappingError } from './rows';

export interface LoadRecord<R = unknown> {
  kind: 'raw' | 'aggregate';
  value: Record<string, unknown>;
  origin: RecordOrigin;
  extras: ExtraColumn[];
  /** The caller's handle on the record (e.g. the Kafka message, for the DLQ). */
  ref: R;
}

export interface PreparedLoad<R = unknown> {
  writes: TableWrite[];
  rejected: Array<{ record: LoadRecord<R>; error: Error }>;
  /** Rows per table after one-row-per-key selection. */
  rowCounts: Record<TableName, number>;
}

const TABLES: TableName[] = ['raw.events', 'analytics.aggregated_events', 'analytics.aggregated_event_versions'];

export class WarehouseLoader {
  private readonly specs = new Map<TableName, TableSpec>();
  private started = false;

  constructor(
    readonly adapter: WarehouseAdapter,
    private readonly onColumnsAdded?: (table: TableName, columns: ColumnDef[]) => void,
  ) {}

  async start(): Promise<void> {
    await this.adapter.init();
    for (const table of TABLES) await this.refreshColumns(table);
    this.started = true;
  }

  /** The table as the loader currently knows it (fixed plus extra columns). */
  spec(table: TableName): TableSpec {
    const spec = this.specs.get(table);
    if (!spec) throw new Error('WarehouseLoader.start() must be called first');
    return spec;
  }

  columnTypes(table: TableName): Map<string, ColumnType> {
    return new Map(this.spec(table).columns.map((c) => [c.name, c.type]));
  }

  /** Adds the columns the records' schemas need, then maps and selects rows. Mapping failures are returned, not thrown. */
  async prepare<R>(records: readonly LoadRecord<R>[]): Promise<PreparedLoad<R>> {
    if (!this.started) throw new Error('WarehouseLoader.start() must be called first');
    await this.ensureColumns(records);
    const rows: Record<TableName, MappedRow['row'][]> = { 'raw.events': [], 'analytics.aggregated_events': [], 'analytics.aggregated_event_versions': [] };
    const rejected: PreparedLoad<R>['rejected'] = [];
    const types: Record<TableName, Map<string, ColumnType>> = {
      'raw.events': this.columnTypes('raw.events'),
      'analytics.aggregated_events': this.columnTypes('analytics.aggregated_events'),
      'analytics.aggregated_event_versions': this.columnTypes('analytics.aggregated_event_versions'),
    };
    for (const record of records) {
      try {
        const mapped =
          record.kind === 'raw'
            ? mapRawEvent(record.value, record.origin, record.extras, types['raw.events'])
            : mapAggregate(record.value, record.origin, record.extras, types['analytics.aggregated_events']);
        rows[mapped.table].push(mapped.row);
        // Every aggregate version is also kept in the history table (point-in-time reads).
        if (mapped.table === 'analytics.aggregated_events') rows['analytics.aggregated_event_versions'].push(mapped.row);
      } catch (error) {
        if (!(error instanceof RowMappingError)) throw error;
        rejected.push({ record, error });
      }
    }
    const writes: TableWrite[] = [];
    const rowCounts = { 'raw.events': 0, 'analytics.aggregated_events': 0, 'analytics.aggregated_event_versions': 0 } as Record<TableName, number>;
    for (const table of TABLES) {
      const spec = this.spec(table);
      const selected = selectRows(spec, rows[table]);
      rowCounts[table] = selected.length;
      if (selected.length > 0) writes.push({ spec, rows: selected });
    }
    return { writes, rejected, rowCounts };
  }

  /** One atomic write of the prepared rows and (where the adapter stores them) the offsets. */
  async write(prepared: Pick<PreparedLoad, 'writes'>, offsets: OffsetPosition[]): Promise<void> {
    if (prepared.writes.length === 0 && (offsets.length === 0 || !this.adapter.storesOffsets)) return;
    await this.adapter.write(prepared.writes, offsets);
  }

  async readOffsets(consumerGroup: string): Promise<OffsetPosition[]> {
    return this.adapter.readOffsets(consumerGroup);
  }

  async close(): Promise<void> {
    await this.adapter.close();
  }

  private async ensureColumns(records: readonly LoadRecord[]): Promise<void> {
    for (const table of TABLES) {
      const kind = table === 'raw.events' ? 'raw' : 'aggregate';
      const present = new Set(this.spec(table).columns.map((c) => c.name));
      const missing = new Map<string, ColumnDef>();
      for (const record of records) {
        if (record.kind !== kind) continue;
        for (const extra of record.extras) {
          if (!present.has(extra.name) && !missing.has(extra.name)) missing.set(extra.name, { name: extra.name, type: extra.type, nullable: true });
        }
      }
      if (missing.size === 0) continue;
      await this.adapter.addColumns(table, [...missing.values()]);
      await this.refreshColumns(table);
      this.onColumnsAdded?.(table, [...missing.values()]);
    }
  }

  private async refreshColumns(table: TableName): Promise<void> {
    const base = baseTableSpec(table);
    const described = await this.adapter.describeColumns(table);
    const baseNames = new Set(base.columns.map((c) => c.name));
    const extras = described.filter((c) => !baseNames.has(c.name) && c.name !== LOADED_AT_COLUMN).map((c) => ({ ...c, nullable: true }));
    this.specs.set(table, { ...base, columns: [...base.columns, ...extras] });
  }
}
