/**
 * The event types' schemas as the registry knows them: registers the pipeline's .avsc files at
 * startup (idempotent: the same schema keeps its id), encodes values in the Confluent wire format
 * and decodes any record whose schema id the registry holds.
 */
import { readFileSync } from 'fs';
import { resolve } from 'path';
import * as avro from 'avsc';
import { EventTypeSpec, PipelineConfig } from '@platform/config';
import { frame, frameMany, unframe } from './framing';
import { parseAvroSchema } from './validation';
import { RegistryClient } from './registry-client';

export interface RegisteredSchema {
  id: number;
  type: avro.Type;
  subject: string;
}

export class SchemaCatalog {
  private readonly byEventType = new Map<string, RegisteredSchema>();
  private readonly byId = new Map<number, avro.Type>();
  private readonly pendingById = new Map<number, Promise<avro.Type>>();
  private aggregatedSchema?: RegisteredSchema;

  constructor(private readonly registry: RegistryClient, private readonly pipeline: PipelineConfig) {}

  async registerPipelineSchemas(): Promise<void> {
    for (const eventType of this.pipeline.eventTypes) {
      const text = readFileSync(eventType.schemaPath, 'utf8');
      const type = parseAvroSchema(text);
      const id = await this.registry.register(eventType.subject, JSON.stringify(JSON.parse(text)));
      this.byEventType.set(eventType.name, { id, type, subject: eventType.subject });
      this.byId.set(id, type);
    }
    const aggregatedText = readFileSync(resolve(this.pipeline.rootDir, 'schemas/aggregated.avsc'), 'utf8');
    const subject = `${this.pipeline.topics.aggregated.name}-value`;
    const id = await this.registry.register(subject, JSON.stringify(JSON.parse(aggregatedText)));
    const type = parseAvroSchema(aggregatedText);
    this.aggregatedSchema = { id, type, subject };
    this.byId.set(id, type);
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

  /** The type for a schema id, fetched from the registry once and cached (ids never change meaning). */
  async typeForId(id: number): Promise<avro.Type> {
    const cached = this.byId.get(id);
    if (cached) return cached;
    let pending = this.pendingById.get(id);
    if (!pending) {
      pending = this.registry.schemaById(id).then((text) => {
        const type = parseAvroSchema(text);
        this.byId.set(id, type);
        return type;
      });
      pending.finally(() => this.pendingById.delete(id)).catch(() => undefined);
      this.pendingById.set(id, pending);
    }
    return pending;
  }

  cachedTypeForId(id: number): avro.Type | undefined {
    return this.byId.get(id);
  }

  async decode<T = Record<string, unknown>>(bytes: Buffer): Promise<{ schemaId: number; value: T }> {
    const { schemaId, body } = unframe(bytes);
    const type = await this.typeForId(schemaId);
    return { schemaId, value: type.fromBuffer(body) as T };
  }
}
