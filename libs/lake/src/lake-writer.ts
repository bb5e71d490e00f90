/**
 * Writes one partition's flushed batch to the lake, exactly once across crashes:
 *
 *   1. the partition's manifest records the batch's offset range [first, last] (write-ahead intent);
 *   2. one Parquet object per event-time hour, named by topic, partition and [first, last];
 *   3. (the caller) commits the Kafka offset last + 1.
 *
 * After a crash between 1 and 3, the consumer resumes at the batch's first offset; the caller reads
 * the intent and flushes that partition exactly at `last` again, which rebuilds the same batch and so
 * replaces the same objects. No object ever overlaps another's offsets, so the lake holds each record once.
 */
import { AGGREGATED_EVENTS_COLUMNS, ColumnDef, MappedRow, RAW_EVENTS_COLUMNS } from '@platform/warehouse';
import { groupByHour, manifestKey, objectKey } from './layout';
import { ParquetEncoder } from './parquet';
import { LakeStore } from './store';

export interface PartitionBatch {
  topic: string;
  partition: number;
  /** Offsets of the first and last Kafka record the batch covers (records that became no row included). */
  firstOffset: number;
  lastOffset: number;
  rows: MappedRow[];
}

export interface LakeIntent {
  consumer_group: string;
  topic: string;
  partition: number;
  first_offset: number;
  last_offset: number;
  objects: string[];
  written_at: string;
}

export interface PlannedObject {
  key: string;
  columns: ColumnDef[];
  values: unknown[][];
}

/** The columns of an object: the table's fixed columns, then the extra columns its rows carry (first type wins). */
export function objectColumns(rows: readonly MappedRow[]): ColumnDef[] {
  const base = rows[0]?.table === 'analytics.aggregated_events' ? AGGREGATED_EVENTS_COLUMNS : RAW_EVENTS_COLUMNS;
  const columns: ColumnDef[] = [...base];
  const seen = new Set(columns.map((c) => c.name));
  for (const row of rows) {
    for (const extra of row.extras) {
      if (seen.has(extra.name)) continue;
      seen.add(extra.name);
      columns.push({ name: extra.name, type: extra.type, nullable: true });
    }
  }
  return columns;
}

/** The objects a batch becomes: one per event-time hour, rows in offset order. Pure. */
export function planLakeObjects(prefix: string, batch: PartitionBatch): PlannedObject[] {
  const ordered = [...batch.rows].sort((a, b) => Number(a.row.offset) - Number(b.row.offset));
  const planned: PlannedObject[] = [];
  for (const { bucket, items } of groupByHour(ordered, (r) => r.eventTime).values()) {
    const columns = objectColumns(items);
    planned.push({
      key: objectKey({ prefix, topic: batch.topic, partition: batch.partition, firstOffset: batch.firstOffset, lastOffset: batch.lastOffset, bucket }),
      columns,
      values: items.map((item) => columns.map((c) => (item.row[c.name] === undefined ? null : item.row[c.name]))),
    });
  }
  return planned.sort((a, b) => a.key.localeCompare(b.key));
}

export interface LakeWriterOptions {
  prefix: string;
  consumerGroup: string;
}

export class LakeWriter {
  constructor(
    readonly store: LakeStore,
    private readonly encoder: ParquetEncoder,
    private readonly options: LakeWriterOptions,
  ) {}

  /** Releases the Parquet encoder (the store is closed by its owner). */
  close(): void {
    this.encoder.close();
  }

  async readIntent(topic: string, partition: number): Promise<LakeIntent | null> {
    const bytes = await this.store.getBytes(manifestKey(this.options.prefix, this.options.consumerGroup, topic, partition));
    if (!bytes) return null;
    const parsed = JSON.parse(bytes.toString('utf8')) as LakeIntent;
    if (typeof parsed.first_offset !== 'number' || typeof parsed.last_offset !== 'number') throw new Error(`lake manifest for ${topic}/${partition} is malformed`);
    return parsed;
  }

  /** Steps 1 and 2 above; returns what was written. A batch without rows writes nothing. */
  async writeBatch(batch: PartitionBatch): Promise<{ objects: string[]; bytes: number }> {
    const planned = planLakeObjects(this.options.prefix, batch);
    if (planned.length === 0) return { objects: [], bytes: 0 };
    const intent: LakeIntent = {
      consumer_group: this.options.consumerGroup,
      topic: batch.topic,
      partition: batch.partition,
      first_offset: batch.firstOffset,
      last_offset: batch.lastOffset,
      objects: planned.map((p) => p.key),
      written_at: new Date().toISOString(),
    };
    await this.store.putBytes(manifestKey(this.options.prefix, this.options.consumerGroup, batch.topic, batch.partition), Buffer.from(JSON.stringify(intent)));
    let bytes = 0;
    for (const object of planned) {
      const temp = this.store.stagingPath(object.key.split('/').pop() ?? 'object.parquet');
      await this.encoder.write(temp, object.columns, object.values);
      bytes += await this.store.putFile(object.key, temp);
    }
    return { objects: intent.objects, bytes };
  }
}
