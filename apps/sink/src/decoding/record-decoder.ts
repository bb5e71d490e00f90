/**
 * Turns a Kafka record into what the destinations load: an event envelope or an aggregate (decoded
 * with SchemaCatalog by the schema id in its Confluent framing) with the extra columns its schema
 * version brings, or a poison record (undecodable bytes, unknown schema id) that goes to the DLQ.
 * A registry that cannot be reached is not the record's fault: that is retried, never dead-lettered.
 */
import { PipelineConfig, eventTypeByTopic } from '@platform/config';
import { ExtraColumn, extraColumnsForSchema, TableName } from '@platform/warehouse';
import { RegistryClient, RegistryError, SchemaCatalog, FramingError, unframe } from '@platform/schema';
import { RetriesExhaustedError, withRetry } from '@platform/resilience';
import { SinkStoppedError } from '../delivery/deliver';

export type DecodedRecord =
  | { kind: 'raw' | 'aggregate'; schemaId: number; value: Record<string, unknown>; extras: ExtraColumn[] }
  | { kind: 'poison'; error: string };

export interface DecoderOptions {
  isStopping?: () => boolean;
  onRegistryRetry?: (error: unknown) => void;
}

/** The registry could not be asked (down, slow, 5xx): retry. Anything else (404, a broken schema) is final. */
function isRegistryUnavailable(error: unknown): boolean {
  if (error instanceof RegistryError) return error.status >= 500 || error.status === 429;
  if (error instanceof RetriesExhaustedError) return isRegistryUnavailable(error.lastError) || !(error.lastError instanceof RegistryError);
  const message = String((error as Error)?.message ?? error);
  return error instanceof TypeError || /fetch failed|did not answer|ECONNREFUSED|ECONNRESET|socket|timed? ?out/i.test(message);
}

export class RecordDecoder {
  private readonly extrasById = new Map<string, ExtraColumn[]>();
  private readonly aggregatedTopic: string;

  constructor(
    private readonly catalog: SchemaCatalog,
    private readonly registry: RegistryClient,
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
    let schemaId: number;
    let body: Buffer;
    try {
      ({ schemaId, body } = unframe(bytes));
    } catch (error) {
      if (error instanceof FramingError) return { kind: 'poison', error: error.message };
      throw error;
    }
    let type = this.catalog.cachedTypeForId(schemaId);
    if (!type) {
      try {
        type = await this.registryCall(() => this.catalog.typeForId(schemaId));
      } catch (error) {
        if (error instanceof SinkStoppedError) throw error;
        return { kind: 'poison', error: `unknown schema id ${schemaId}: ${(error as Error).message}` };
      }
    }
    let value: Record<string, unknown>;
    try {
      value = type.fromBuffer(body) as Record<string, unknown>;
    } catch (error) {
      return { kind: 'poison', error: `Avro body does not match schema ${schemaId}: ${(error as Error).message}` };
    }
    if (value === null || typeof value !== 'object') return { kind: 'poison', error: `schema ${schemaId} is not a record schema` };
    const table: TableName = kind === 'raw' ? 'raw.events' : 'analytics.aggregated_events';
    try {
      return { kind, schemaId, value, extras: await this.extrasFor(schemaId, table) };
    } catch (error) {
      if (error instanceof SinkStoppedError) throw error;
      return { kind: 'poison', error: `schema ${schemaId} could not be read: ${(error as Error).message}` };
    }
  }

  /** The extra columns of a schema version, from its text (kept once per id and table). */
  private async extrasFor(schemaId: number, table: TableName): Promise<ExtraColumn[]> {
    const cacheKey = `${schemaId}:${table}`;
    const cached = this.extrasById.get(cacheKey);
    if (cached) return cached;
    const text = await this.registryCall(() => this.registry.schemaById(schemaId));
    const extras = extraColumnsForSchema(JSON.parse(text), table);
    this.extrasById.set(cacheKey, extras);
    return extras;
  }

  /** Registry calls retry while the registry is unavailable; a final answer (unknown id) is rethrown. */
  private registryCall<T>(call: () => Promise<T>): Promise<T> {
    return withRetry(
      async () => {
        if (this.options.isStopping?.()) throw new SinkStoppedError();
        return call();
      },
      {
        maxAttempts: Number.POSITIVE_INFINITY,
        baseDelayMs: 200,
        maxDelayMs: 5000,
        retryable: (error) => {
          if (error instanceof SinkStoppedError || !isRegistryUnavailable(error) || this.options.isStopping?.()) return false;
          this.options.onRegistryRetry?.(error);
          return true;
        },
      },
    );
  }
}
