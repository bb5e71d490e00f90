/**
 * Turns a Kafka record into what the destinations load: an event envelope or an aggregate (decoded
 * by SchemaCatalog.decode) with the extra columns its schema version brings, or a poison record
 * (undecodable bytes, unknown schema id) that goes to the DLQ. A registry that cannot be reached
 * is not the record's fault: that is retried with backoff until it answers or the sink stops.
 */
import { PipelineConfig, eventTypeByTopic, withRetry } from '@platform/runtime';
import { ExtraColumn, extraColumnsForSchema, TableName } from '@platform/warehouse';
import { DecodeResult, RegistryUnavailableError, SchemaCatalog, WriterSchema } from '@platform/schema';
import { SinkStoppedError } from '../delivery/deliver';

export type DecodedRecord =
  | { kind: 'raw' | 'aggregate'; schemaId: number; value: Record<string, unknown>; extras: ExtraColumn[] }
  | { kind: 'poison'; error: string };

export interface DecoderOptions {
  isStopping?: () => boolean;
  onRegistryRetry?: (error: unknown) => void;
}

export class RecordDecoder {
  private readonly extrasById = new Map<string, ExtraColumn[]>();
  private readonly aggregatedTopic: string;

  constructor(
    private readonly catalog: SchemaCatalog,
    private readonly pipeline: PipelineConfig,
    private readonly options: DecoderOptions = {},
  ) {
    this.aggregatedTopic = pipeline.topics.aggregated.name;
  }

  kindOf(topic: string): 'raw' | 'aggregate' | null {
    if (topic === this.aggregatedTopic) return 'aggregate';
    return eventTypeByTopic(this.pipeline, topic) ? 'raw' : null;
  }

  async decode(topic: string, bytes: Buffer | null): Promise<DecodedRecord> {
    const kind = this.kindOf(topic);
    if (!kind) return { kind: 'poison', error: `topic ${topic} is neither an event topic of the pipeline nor the aggregated topic` };
    if (!bytes || bytes.length === 0) return { kind: 'poison', error: 'record has no value' };
    const decoded = await this.decodeWhenAvailable(bytes);
    if (decoded.kind === 'poison') return { kind: 'poison', error: decoded.reason };
    const table: TableName = kind === 'raw' ? 'raw.events' : 'analytics.aggregated_events';
    try {
      return { kind, schemaId: decoded.schemaId, value: decoded.value, extras: this.extrasFor(decoded.schema, table) };
    } catch (error) {
      return { kind: 'poison', error: `schema ${decoded.schemaId} could not be read: ${(error as Error).message}` };
    }
  }

  /** The extra columns of a schema version, from the writer schema's text (kept once per id and table). */
  private extrasFor(schema: WriterSchema, table: TableName): ExtraColumn[] {
    const cacheKey = `${schema.id}:${table}`;
    let extras = this.extrasById.get(cacheKey);
    if (!extras) {
      extras = extraColumnsForSchema(JSON.parse(schema.text), table);
      this.extrasById.set(cacheKey, extras);
    }
    return extras;
  }

  /** Decodes, asking again with backoff while the registry is unavailable; stops when the sink does. */
  private decodeWhenAvailable(bytes: Buffer): Promise<Exclude<DecodeResult, { kind: 'unavailable' }>> {
    return withRetry(
      async () => {
        if (this.options.isStopping?.()) throw new SinkStoppedError();
        const decoded = await this.catalog.decode(bytes);
        if (decoded.kind === 'unavailable') throw new RegistryUnavailableError(decoded.reason, decoded.schemaId);
        return decoded;
      },
      {
        maxAttempts: Number.POSITIVE_INFINITY,
        baseDelayMs: 200,
        maxDelayMs: 5000,
        retryable: (error) => {
          if (!(error instanceof RegistryUnavailableError) || this.options.isStopping?.()) return false;
          this.options.onRegistryRetry?.(error);
          return true;
        },
      },
    ).catch((error) => {
      // Stopping while the registry is away: the record is neither loaded nor dead-lettered.
      throw error instanceof RegistryUnavailableError ? new SinkStoppedError() : error;
    });
  }
}
