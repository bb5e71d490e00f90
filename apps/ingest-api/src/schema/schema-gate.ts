/**
 * The event schemas as the registry knows them. Registers the pipeline's schemas at startup and,
 * while the registry is unreachable, again on demand (at most one attempt in flight, at most one
 * per second), so requests get a 503 quickly instead of waiting on a dead registry. Also answers
 * whether a schema id belongs to a topic's subject (for Avro input carrying its own schema id),
 * and decodes records with the same catalog.
 */
import { EventTypeSpec, PipelineConfig, RegistryCredentials, logger, withTimeout } from '@platform/runtime';
import { PlatformError } from '@platform/contracts';
import { DecodeResult, RegisteredSchema, RegistryClient, SchemaCatalog } from '@platform/schema';

const RETRY_INTERVAL_MS = 1000;

export class SchemaGate {
  readonly catalog: SchemaCatalog;
  private readonly registry: RegistryClient;
  private registered = false;
  private registering?: Promise<void>;
  private lastAttemptAt = 0;
  private readonly membership = new Map<string, Promise<boolean>>();

  constructor(
    baseUrl: string,
    pipeline: PipelineConfig,
    private readonly timeoutMs: number,
    credentials?: RegistryCredentials,
  ) {
    this.registry = new RegistryClient(baseUrl, { timeoutMs: Math.min(timeoutMs, 2000), maxAttempts: 3, credentials });
    this.catalog = new SchemaCatalog(this.registry, pipeline, { lookupTimeoutMs: timeoutMs });
  }

  get isRegistered(): boolean {
    return this.registered;
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  start(): void {
    this.ensureRegistered().catch((error) => logger().warn({ err: (error as Error).message }, 'schemas not registered yet'));
  }

  /** Resolves once the pipeline schemas are registered; rejects with a 503 within the timeout otherwise. */
  ensureRegistered(): Promise<void> {
    if (this.registered) return Promise.resolve();
    if (!this.registering) {
      if (Date.now() - this.lastAttemptAt < RETRY_INTERVAL_MS) {
        return Promise.reject(unavailableRegistry());
      }
      this.lastAttemptAt = Date.now();
      this.registering = withTimeout(this.catalog.registerPipelineSchemas(), this.timeoutMs, 'schema registration timed out')
        .then(() => {
          this.registered = true;
          logger().info('pipeline schemas registered');
        })
        .finally(() => (this.registering = undefined));
    }
    return this.registering.catch((error) => {
      logger().warn({ err: (error as Error).message }, 'schema registry unavailable');
      throw unavailableRegistry();
    });
  }

  /** The registered schema of an event type; call only after ensureRegistered resolved. */
  schemaFor(type: EventTypeSpec): RegisteredSchema {
    return this.catalog.forEventType(type);
  }

  /**
   * Decodes a Confluent-framed record with the process's one catalog (fetches bounded by the
   * gate's timeout). Callers map the answer: poison is the record's fault, unavailable a 503.
   */
  decode<T = Record<string, unknown>>(bytes: Buffer | null | undefined): Promise<DecodeResult<T>> {
    return this.catalog.decode<T>(bytes);
  }

  /** True when schema `id` is registered under `subject` (any version). Cached per (subject, id). */
  belongsToSubject(subject: string, id: number): Promise<boolean> {
    const key = `${subject}\u0000${id}`;
    let answer = this.membership.get(key);
    if (!answer) {
      answer = this.lookUpMembership(subject, id);
      this.membership.set(key, answer);
      // Only definite answers are cached; an outage is asked again next time.
      answer.catch(() => this.membership.delete(key));
    }
    return answer;
  }

  private async lookUpMembership(subject: string, id: number): Promise<boolean> {
    const found = await this.catalog.writerSchema(id);
    if (found.kind === 'poison') throw new PlatformError(400, 'UNKNOWN_SCHEMA_ID', found.reason);
    if (found.kind === 'unavailable') throw unavailableRegistry();
    try {
      return (await withTimeout(this.registry.lookup(subject, found.schema.text), this.timeoutMs, 'schema lookup timed out')) === id;
    } catch {
      throw unavailableRegistry();
    }
  }

  ping(): Promise<boolean> {
    return this.registry.ping();
  }
}

export function unavailableRegistry(): PlatformError {
  return new PlatformError(503, 'SERVICE_UNAVAILABLE', 'the schema registry is unavailable', null, 1);
}
