/**
 * The event types' schemas as the registry knows them: registers the pipeline's .avsc files at
 * startup (idempotent: the same schema keeps its id), encodes values in the Confluent wire format
 * and decodes any record whose schema id the registry holds. Schemas are fetched once per id and
 * kept (an id never changes meaning), so every part of a process shares one cache.
 */
import { readFileSync } from 'fs';
import { resolve } from 'path';
import * as avro from 'avsc';
import { EventTypeSpec, PipelineConfig, withTimeout } from '@platform/runtime';
import { frame, frameMany, FramingError, unframe } from './framing';
import { parseAvroSchema } from './validation';
import { RegistryClient } from './registry-client';
import { decodeBody, DecodeResult, lookupFailure, SchemaLookup, WriterSchema } from './decode';

export interface RegisteredSchema {
  id: number;
  type: avro.Type;
  subject: string;
}

export interface SchemaCatalogOptions {
  /** Bounds one schema fetch (all of the client's retries included); past it the answer is `unavailable`. */
  lookupTimeoutMs?: number;
}

export class SchemaCatalog {
  private readonly byEventType = new Map<string, RegisteredSchema>();
  private readonly byId = new Map<number, WriterSchema>();
  private readonly pendingById = new Map<number, Promise<SchemaLookup>>();
  private aggregatedSchema?: RegisteredSchema;

  constructor(
    private readonly registry: Pick<RegistryClient, 'register' | 'schemaById'>,
    private readonly pipeline: PipelineConfig,
    private readonly options: SchemaCatalogOptions = {},
  ) {}

  async registerPipelineSchemas(): Promise<void> {
    for (const eventType of this.pipeline.eventTypes) {
      const registered = await this.registerFile(eventType.subject, eventType.schemaPath);
      this.byEventType.set(eventType.name, registered);
    }
    this.aggregatedSchema = await this.registerFile(
      `${this.pipeline.topics.aggregated.name}-value`,
      resolve(this.pipeline.rootDir, 'schemas/aggregated.avsc'),
    );
  }

  private async registerFile(subject: string, path: string): Promise<RegisteredSchema> {
    const text = JSON.stringify(JSON.parse(readFileSync(path, 'utf8')));
    const type = parseAvroSchema(text);
    const id = await this.registry.register(subject, text);
    this.byId.set(id, { id, type, text });
    return { id, type, subject };
  }

  forEventType(eventType: EventTypeSpec | string): RegisteredSchema {
    const name = typeof eventType === 'string' ? eventType : eventType.name;
    const found = this.byEventType.get(name);
    if (!found) throw new Error(`no schema registered for event type ${name}; call registerPipelineSchemas first`);
    return found;
  }

  get aggregated(): RegisteredSchema {
    if (!this.aggregatedSchema) throw new Error('aggregated schema not registered; call registerPipelineSchemas first');
    return this.aggregatedSchema;
  }

  encode(schema: RegisteredSchema, value: unknown): Buffer {
    return frame(schema.id, schema.type.toBuffer(value));
  }

  /** `encode` for many values of one schema, into one shared buffer (see frameMany). */
  encodeMany(schema: RegisteredSchema, values: readonly unknown[]): Buffer[] {
    return frameMany(schema.id, schema.type, values);
  }

  /**
   * The writer schema of an id: from the cache, or fetched once (concurrent askers share the
   * fetch). Never rejects: an unknown id or a schema avsc cannot read is poison, anything else
   * (down, slow, 5xx, refused credentials) is unavailable and asked again next time.
   */
  writerSchema(id: number): Promise<SchemaLookup> {
    const cached = this.byId.get(id);
    if (cached) return Promise.resolve({ kind: 'ok', schema: cached });
    let pending = this.pendingById.get(id);
    if (!pending) {
      pending = this.registry.schemaById(id).then(
        (text): SchemaLookup => {
          let type: avro.Type;
          try {
            type = parseAvroSchema(text);
          } catch (error) {
            return {
              kind: 'poison',
              problem: 'invalid-schema',
              reason: `schema ${id} is not a usable Avro schema: ${(error as Error).message}`,
              schemaId: id,
            };
          }
          const schema = { id, type, text };
          this.byId.set(id, schema);
          return { kind: 'ok', schema };
        },
        (error) => lookupFailure(id, error),
      );
      this.pendingById.set(id, pending);
      void pending.then(() => this.pendingById.delete(id));
    }
    const timeoutMs = this.options.lookupTimeoutMs;
    if (timeoutMs === undefined) return pending;
    return withTimeout(pending, timeoutMs, `schema lookup timed out after ${timeoutMs} ms`).catch((error: Error) => ({
      kind: 'unavailable',
      reason: `schema registry unavailable for schema id ${id}: ${error.message}`,
      schemaId: id,
    }));
  }

  /**
   * Decodes a Confluent-framed record (magic byte, schema id, Avro body) with the schema it was
   * written with. Never rejects; a record already known costs no promise chain beyond its own.
   */
  decode<T = Record<string, unknown>>(bytes: Buffer | null | undefined): Promise<DecodeResult<T>> {
    if (bytes === null || bytes === undefined)
      return Promise.resolve({ kind: 'poison', problem: 'no-value', reason: 'record has no value' });
    let framed: { schemaId: number; body: Buffer };
    try {
      framed = unframe(bytes);
    } catch (error) {
      if (!(error instanceof FramingError)) throw error;
      return Promise.resolve({ kind: 'poison', problem: 'framing', reason: error.message });
    }
    const cached = this.byId.get(framed.schemaId);
    if (cached) return Promise.resolve(decodeBody<T>(cached, framed.body));
    return this.writerSchema(framed.schemaId).then((lookup) => (lookup.kind === 'ok' ? decodeBody<T>(lookup.schema, framed.body) : lookup));
  }
}
