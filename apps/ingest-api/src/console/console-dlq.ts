/**
 * One dead letter in full for the console's inspector: the DLQ record and its original message
 * decoded with the schema the bytes name (Confluent framing), or why it cannot be decoded (a
 * deserialization failure is often exactly why it is in the DLQ).
 */
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { PipelineConfig, withTimeout } from '@platform/runtime';
import { PlatformError } from '@platform/contracts';
import { entryId } from '@platform/contracts';
import { DlqStore } from '@platform/kafka';
import { SchemaCatalog } from '@platform/schema';
import { unavailable } from '../kafka/kafka-publisher';
import { CONSOLE_KAFKA, CONSOLE_PIPELINE } from './console.tokens';

const ENTRY_ID = /^\d{1,5}:\d{1,19}$/;
const SCAN_LIMIT = 1000;

export interface DecodedOriginal {
  schema_id: number | null;
  value: unknown;
  error: string | null;
}

@Injectable()
export class ConsoleDlq implements OnModuleDestroy {
  private readonly store: DlqStore;

  constructor(
    @Inject(CONSOLE_KAFKA) kafka: Kafka,
    @Inject(CONSOLE_PIPELINE) pipeline: PipelineConfig,
    @Inject(SchemaCatalog) private readonly catalog: SchemaCatalog,
  ) {
    this.store = new DlqStore(kafka, pipeline.topics.dlq.name);
  }

  async inspect(id: string) {
    if (!ENTRY_ID.test(id))
      throw new PlatformError(400, 'INVALID_REQUEST', 'a DLQ id has the form "<partition>:<offset>" as listed', { parameter: 'id' });
    let entries;
    try {
      entries = await this.store.list({}, SCAN_LIMIT);
    } catch {
      throw unavailable('could not read the DLQ from Kafka');
    }
    const entry = entries.find((e) => entryId(e) === id);
    if (!entry) throw new PlatformError(404, 'NOT_FOUND', `no DLQ record ${id} among the newest ${SCAN_LIMIT}`, { id });
    return {
      id,
      dlq_partition: entry.dlqPartition,
      dlq_offset: entry.dlqOffset,
      record: entry.record,
      decoded: await this.decode(entry.record.original_message),
    };
  }

  private async decode(base64: string): Promise<DecodedOriginal> {
    try {
      const decoded = await withTimeout(this.catalog.decode(Buffer.from(base64, 'base64')), 3000, 'schema lookup timed out');
      if (decoded.kind !== 'ok') return { schema_id: decoded.schemaId ?? null, value: null, error: decoded.reason };
      return {
        schema_id: decoded.schemaId,
        value: JSON.parse(JSON.stringify(decoded.value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))),
        error: null,
      };
    } catch (error) {
      return { schema_id: null, value: null, error: (error as Error).message };
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.store.close().catch(() => undefined);
  }
}
