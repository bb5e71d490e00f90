/**
 * The schema registry as the console reads it: subjects, versions, compatibility levels, a
 * compatibility check and registration, through the registry's Confluent REST API with the API's
 * own registry credentials. Registry answers become the platform's error format.
 */
import { PlatformError } from '@platform/contracts';
import type { RegistryCredentials } from '@platform/runtime';
import { REGISTRY_CONTENT_TYPE, registryAuthorization } from '@platform/schema';

export interface SubjectSummary {
  subject: string;
  versions: number[];
  compatibility: string;
}

export interface CompatibilityVerdict {
  is_compatible: boolean;
  messages: string[];
}

export class RegistryBrowser {
  private readonly headers: Record<string, string>;

  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
    credentials?: RegistryCredentials,
  ) {
    const authorization = registryAuthorization(credentials);
    this.headers = { 'content-type': REGISTRY_CONTENT_TYPE, accept: REGISTRY_CONTENT_TYPE, ...(authorization ? { authorization } : {}) };
  }

  async subjects(): Promise<SubjectSummary[]> {
    const names = ((await this.call('GET', '/subjects')) as string[]).sort();
    const global = await this.compatibilityLevel();
    return Promise.all(
      names.map(async (subject) => ({
        subject,
        versions: (await this.call('GET', `/subjects/${encodeURIComponent(subject)}/versions`)) as number[],
        compatibility: await this.compatibilityLevel(subject).then((level) => level ?? global ?? 'BACKWARD'),
      })),
    );
  }

  async version(subject: string, version: number): Promise<{ subject: string; version: number; id: number; schema: string }> {
    const body = (await this.call('GET', `/subjects/${encodeURIComponent(subject)}/versions/${version}`)) as {
      subject: string;
      version: number;
      id: number;
      schema: string;
    };
    return { subject: body.subject, version: body.version, id: body.id, schema: body.schema };
  }

  /** Would `schema` be accepted as the subject's next version? (Against the latest; a new subject always is.) */
  async check(subject: string, schema: string): Promise<CompatibilityVerdict> {
    try {
      const body = (await this.call('POST', `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest?verbose=true`, {
        schema,
        schemaType: 'AVRO',
      })) as {
        is_compatible: boolean;
        messages?: string[];
      };
      return { is_compatible: body.is_compatible, messages: body.messages ?? [] };
    } catch (error) {
      if (
        error instanceof PlatformError &&
        error.status === 404 &&
        (error.details as { registry_error_code?: number } | null)?.registry_error_code === 40401
      ) {
        return { is_compatible: true, messages: ['the subject has no version yet'] };
      }
      throw error;
    }
  }

  async register(subject: string, schema: string): Promise<{ id: number }> {
    const body = (await this.call('POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schema, schemaType: 'AVRO' })) as {
      id: number;
    };
    return { id: body.id };
  }

  private async compatibilityLevel(subject?: string): Promise<string | undefined> {
    try {
      const body = (await this.call('GET', subject ? `/config/${encodeURIComponent(subject)}` : '/config')) as {
        compatibilityLevel?: string;
        compatibility?: string;
      };
      return body.compatibilityLevel ?? body.compatibility;
    } catch (error) {
      if (error instanceof PlatformError && error.status === 404) return undefined;
      throw error;
    }
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: this.headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch {
      throw new PlatformError(503, 'SCHEMA_REGISTRY_UNAVAILABLE', 'the schema registry did not answer; retry later');
    }
    let parsed: { message?: string; error_code?: number } & Record<string, unknown> = {};
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      throw new PlatformError(503, 'SCHEMA_REGISTRY_UNAVAILABLE', 'the schema registry answered something that is not JSON');
    }
    if (response.ok) return parsed;
    const details = { registry_error_code: parsed.error_code ?? null };
    const message = typeof parsed.message === 'string' ? parsed.message : `the schema registry answered ${response.status}`;
    if (response.status === 404) throw new PlatformError(404, 'NOT_FOUND', message, details);
    if (response.status === 409) throw new PlatformError(409, 'SCHEMA_INCOMPATIBLE', message, details);
    if (response.status === 422 || response.status === 400) throw new PlatformError(400, 'INVALID_SCHEMA', message, details);
    if (response.status === 401 || response.status === 403)
      throw new PlatformError(503, 'SCHEMA_REGISTRY_UNAVAILABLE', 'the API is not allowed to use the schema registry', details);
    throw new PlatformError(503, 'SCHEMA_REGISTRY_UNAVAILABLE', message, details);
  }
}
