/**
 * The warehouse destination: every flush is one loader write of both tables. With DuckDB and
 * PostgreSQL the partitions' next offsets are stored in the same transaction as the rows, and the
 * consumer seeks to them on assignment, so a crash anywhere replays nothing twice; with Snowflake
 * the keyed MERGE makes a replay harmless and the Kafka commit after it is the position.
 */
import { LoadRecord, OffsetPosition, TableName, WarehouseLoader } from '@platform/warehouse';
import { deliver } from '../delivery/deliver';
import { BufferedChunk, DeliverySettings, Destination, FlushOutcome, isPoison, partitionKey, PartitionPosition, SinkRecord } from './destination';

const OFFSETS_CACHE_MS = 2000;

export class WarehouseDestination implements Destination {
  readonly name = 'warehouse' as const;
  /** Snowflake stores no offsets: there the Kafka commit after the MERGE is the position and must succeed. */
  readonly commitRequired: boolean;
  private offsetsCache?: { at: number; offsets: Promise<Map<string, number>> };

  constructor(
    private readonly loader: WarehouseLoader,
    readonly groupId: string,
  ) {
    this.commitRequired = !loader.adapter.storesOffsets;
  }

  describe(): string {
    return `warehouse (${this.loader.adapter.kind})`;
  }

  async start(): Promise<void> {
    await this.loader.start();
  }

  /** The next offsets stored with the rows, by partitionKey (none where the warehouse stores none). */
  async storedOffsets(): Promise<Map<string, number>> {
    if (!this.loader.adapter.storesOffsets) return new Map();
    const positions = await this.loader.readOffsets(this.groupId);
    return new Map(positions.map((p) => [partitionKey(p.topic, p.partition), p.nextOffset]));
  }

  async position(topic: string, partition: number): Promise<PartitionPosition> {
    if (!this.loader.adapter.storesOffsets) return {};
    // Several partitions are assigned at once: one read serves them all.
    if (!this.offsetsCache || Date.now() - this.offsetsCache.at > OFFSETS_CACHE_MS) {
      const offsets = this.storedOffsets();
      offsets.catch(() => (this.offsetsCache = undefined));
      this.offsetsCache = { at: Date.now(), offsets };
    }
    const floor = (await this.offsetsCache.offsets).get(partitionKey(topic, partition));
    return floor === undefined ? {} : { floor };
  }

  async write(chunks: BufferedChunk<SinkRecord>[], delivery: DeliverySettings): Promise<FlushOutcome> {
    this.offsetsCache = undefined;
    const all: LoadRecord<SinkRecord>[] = [];
    for (const chunk of chunks) {
      for (const record of chunk.items) {
        if (isPoison(record) || record.decoded.kind === 'poison') continue;
        const { kind, value, extras, schemaId } = record.decoded;
        all.push({ kind, value, extras, origin: { topic: record.topic, partition: record.partition, offset: record.offset, timestamp: record.timestamp, schemaId }, ref: record });
      }
    }
    const offsets: OffsetPosition[] = this.loader.adapter.storesOffsets
      ? chunks.map((c) => ({ consumerGroup: this.groupId, topic: c.topic, partition: c.partition, nextOffset: c.lastOffset + 1 }))
      : [];
    const rejected = new Map<SinkRecord, Error>();
    const rows: Partial<Record<TableName, number>> = {};

    const writeSome = async (items: LoadRecord<SinkRecord>[]) => {
      const prepared = await this.loader.prepare(items);
      for (const r of prepared.rejected) rejected.set(r.record.ref, r.error);
      // Offsets go with the rows only when the whole batch is written at once.
      await this.loader.write(prepared, items === all ? offsets : []);
      for (const [table, count] of Object.entries(prepared.rowCounts) as Array<[TableName, number]>) rows[table] = (rows[table] ?? 0) + count;
    };
    const options = { ...delivery, isTransient: (e: unknown) => this.loader.adapter.isTransient(e) };
    const result = await deliver(all, writeSome, { ...options, split: true });
    if (!result.whole && offsets.length > 0) {
      // The batch was split to isolate failures: store the offsets on their own.
      await deliver([], () => this.loader.write({ writes: [] }, offsets), { ...options, split: false });
    }
    const failed: FlushOutcome['failed'] = result.failed.map((f) => ({ record: f.item.ref, error: f.error, attempts: delivery.maxAttempts }));
    const failedSet = new Set(failed.map((f) => f.record));
    for (const [record, error] of rejected) if (!failedSet.has(record)) failed.push({ record, error, attempts: 1 });
    return { failed, rows, objects: 0, bytes: 0 };
  }

  async close(): Promise<void> {
    await this.loader.close();
  }
}
