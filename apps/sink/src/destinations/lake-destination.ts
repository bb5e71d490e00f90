/**
 * The lake destination: each flushed partition batch becomes Parquet objects named by its offset
 * range, after a write-ahead intent in the partition's manifest (see LakeWriter). On assignment the
 * intent tells whether the last batch may be unfinished; if so the partition is cut at exactly the
 * same offsets again, so the replay rewrites the same objects instead of adding overlapping ones.
 */
import { LakeStore, LakeWriter } from '@platform/lake';
import { mapAggregate, MappedRow, mapRawEvent, RowMappingError, TableName } from '@platform/warehouse';
import { withRetry } from '@platform/runtime';
import { deliver, SinkStoppedError } from '../delivery/deliver';
import { BufferedChunk, DeliverySettings, Destination, FlushOutcome, PartitionPosition, SinkRecord } from './destination';

export class LakeDestination implements Destination {
  readonly name = 'lake' as const;
  readonly commitRequired = true;

  constructor(
    private readonly writer: LakeWriter,
    private readonly store: LakeStore & { open(): Promise<void> },
    readonly groupId: string,
    private readonly isStopping: () => boolean = () => false,
  ) {}

  describe(): string {
    return `lake (${this.store.location})`;
  }

  async start(): Promise<void> {
    await this.store.open();
  }

  async position(topic: string, partition: number, firstDelivered: number): Promise<PartitionPosition> {
    const intent = await withRetry(
      async () => {
        if (this.isStopping()) throw new SinkStoppedError();
        return this.writer.readIntent(topic, partition);
      },
      {
        maxAttempts: Number.POSITIVE_INFINITY,
        baseDelayMs: 200,
        maxDelayMs: 5000,
        retryable: (e) => !(e instanceof SinkStoppedError) && this.store.isTransient(e),
      },
    );
    return positionFromIntent(intent, firstDelivered);
  }

  async write(chunks: BufferedChunk<SinkRecord>[], delivery: DeliverySettings): Promise<FlushOutcome> {
    const outcome: FlushOutcome = { failed: [], rows: {}, objects: 0, bytes: 0 };
    for (const chunk of chunks) {
      const rows: MappedRow[] = [];
      const mappedRecords: SinkRecord[] = [];
      for (const record of chunk.items) {
        const d = record.decoded;
        if (d.kind === 'poison') continue;
        const origin = {
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
          timestamp: record.timestamp,
          schemaId: d.schemaId,
        };
        try {
          rows.push(d.kind === 'raw' ? mapRawEvent(d.value, origin, d.extras) : mapAggregate(d.value, origin, d.extras));
          mappedRecords.push(record);
        } catch (error) {
          if (!(error instanceof RowMappingError)) throw error;
          outcome.failed.push({ record, error, attempts: 1 });
        }
      }
      let written = { objects: [] as string[], bytes: 0 };
      const result = await deliver(
        [chunk],
        async () => {
          written = await this.writer.writeBatch({
            topic: chunk.topic,
            partition: chunk.partition,
            firstOffset: chunk.firstOffset,
            lastOffset: chunk.lastOffset,
            rows,
          });
        },
        { ...delivery, isTransient: (e) => this.store.isTransient(e), split: false },
      );
      if (result.failed.length > 0) {
        const error = result.failed[0].error;
        for (const record of mappedRecords) outcome.failed.push({ record, error, attempts: delivery.maxAttempts });
        continue;
      }
      if (rows.length > 0) {
        const table: TableName = rows[0].table;
        outcome.rows[table] = (outcome.rows[table] ?? 0) + rows.length;
      }
      outcome.objects += written.objects.length;
      outcome.bytes += written.bytes;
    }
    return outcome;
  }

  async close(): Promise<void> {
    this.writer.close();
    await this.store.close();
  }
}

/**
 * Where to resume a partition given its manifest intent [first, last] and the first offset the
 * consumer delivered. Pure.
 *  - no intent, or the intent ends before what is delivered: that batch was committed; nothing to do.
 *  - delivery starts inside the intent: go back to its first offset and cut at its last.
 *  - otherwise: cut at its last offset (and just before its first, if delivery starts earlier).
 */
export function positionFromIntent(
  intent: { first_offset: number; last_offset: number } | null,
  firstDelivered: number,
): PartitionPosition {
  if (!intent || intent.last_offset < firstDelivered) return {};
  if (intent.first_offset < firstDelivered) return { seekTo: intent.first_offset, cuts: [intent.last_offset] };
  if (intent.first_offset > firstDelivered) return { cuts: [intent.first_offset - 1, intent.last_offset] };
  return { cuts: [intent.last_offset] };
}
