/**
 * A small client for the Confluent Schema Registry REST API (works against apps/schema-registry,
 * Confluent, Karapace or Apicurio's compatibility API). Calls time out and retry with backoff, so a
 * registry outage becomes an error within a bounded time instead of a hang.
 */
import { TimeoutError, withRetry, withTimeout, type RegistryCredentials } from '@platform/runtime';

export const REGISTRY_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export class RegistryError extends Error {
  constructor(
    message: string,
    public readonly status: number,
    public readonly errorCode?: number,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

export interface RegistryClientOptions {
  timeoutMs?: number;
  maxAttempts?: number;
  /** Sent on every call (from SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO or SCHEMA_REGISTRY_BEARER_TOKEN). */
  credentials?: RegistryCredentials;
}

/** The Authorization header value for registry credentials (HTTP basic or bearer). */
export function registryAuthorization(credentials: RegistryCredentials | undefined): string | undefined {
  if (!credentials) return undefined;
  if (credentials.kind === 'bearer') return `Bearer ${credentials.token}`;
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

export class RegistryClient {
  private readonly headers: Record<string, string>;

  constructor(
    private readonly baseUrl: string,
    private readonly options: RegistryClientOptions = {},
  ) {
    const authorization = registryAuthorization(options.credentials);
    this.headers = { 'content-type': REGISTRY_CONTENT_TYPE, accept: REGISTRY_CONTENT_TYPE, ...(authorization ? { authorization } : {}) };
  }

  /** Registers (or finds) a schema under a subject; the same schema always gets the same id. */
  async register(subject: string, schema: string): Promise<number> {
    const body = await this.call('POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schema, schemaType: 'AVRO' });
    return body.id as number;
  }

  async schemaById(id: number): Promise<string> {
    const body = await this.call('GET', `/schemas/ids/${id}`);
    return body.schema as string;
  }

  async latest(subject: string): Promise<{ id: number; version: number; schema: string }> {
    return this.call('GET', `/subjects/${encodeURIComponent(subject)}/versions/latest`);
  }

  /** The id `schema` has under `subject`, or undefined when the subject does not hold it. */
  async lookup(subject: string, schema: string): Promise<number | undefined> {
    try {
      const body = await this.call('POST', `/subjects/${encodeURIComponent(subject)}`, { schema });
      return body.id as number;
    } catch (error) {
      if (error instanceof RegistryError && error.status === 404) return undefined;
      throw error;
    }
  }

  async ping(): Promise<boolean> {
    try {
      await this.call('GET', '/subjects', undefined, 1);
      return true;
    } catch {
      return false;
    }
  }

  private call(method: string, path: string, body?: unknown, attempts = this.options.maxAttempts ?? 4): Promise<any> {
    const timeoutMs = this.options.timeoutMs ?? 2000;
    return withRetry(
      async () => {
        const response = await withTimeout(
          fetch(`${this.baseUrl}${path}`, {
            method,
            headers: this.headers,
            body: body === undefined ? undefined : JSON.stringify(body),
          }),
          timeoutMs,
          `schema registry did not answer ${method} ${path} within ${timeoutMs} ms`,
        );
        const text = await response.text();
        const parsed = text ? JSON.parse(text) : {};
        if (!response.ok)
          throw new RegistryError(parsed.message ?? `registry answered ${response.status}`, response.status, parsed.error_code);
        return parsed;
      },
      {
        maxAttempts: attempts,
        baseDelayMs: 100,
        maxDelayMs: 1000,
        // 4xx answers are final: retrying a rejected schema cannot make it valid.
        retryable: (error) => !(error instanceof RegistryError && error.status >= 400 && error.status < 500),
      },
    );
  }
}

/**
 * True for registry failures that pass once it is reachable: no answer in time, the connection
 * refused or reset (fetch's "fetch failed"), a 5xx or 429 answer. Other 4xx answers (credentials,
 * permissions, a rejected schema) are final.
 */
export function isRetriableRegistryError(error: unknown): boolean {
  const queue: unknown[] = [error];
  for (let seen = 0; queue.length > 0 && seen < 16; seen++) {
    const e = queue.shift() as { name?: string; message?: string; cause?: unknown; lastError?: unknown; errors?: unknown[] } | undefined;
    if (!e || typeof e !== 'object') continue;
    if (e instanceof RegistryError) return e.status >= 500 || e.status === 429;
    if (e instanceof TimeoutError || (e.name === 'TypeError' && e.message === 'fetch failed')) return true;
    queue.push(e.lastError, e.cause, ...(Array.isArray(e.errors) ? e.errors : []));
  }
  return false;
}
