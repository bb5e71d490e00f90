/** Shared by the registry e2e tests: a registry on its own schemas topic, and raw HTTP calls. */
import { withAdmin } from '@platform/kafka';
import { RegistryCredentials } from '@platform/runtime';
import { registryAuthorization } from '@platform/schema';
import { testKafka, TEST_BROKERS, uniqueName } from '@test/support';
import { registryUser } from '../../apps/schema-registry/src/auth/registry-auth';
import { RunningSchemaRegistry, startSchemaRegistry } from '../../apps/schema-registry/src/bootstrap';

export const VND = 'application/vnd.schemaregistry.v1+json';

export function freshSchemasTopic(): string {
  return uniqueName('_schemas.e2e');
}

/** The admin user the registries these tests start know. */
export const ADMIN: RegistryCredentials & { kind: 'basic' } = { kind: 'basic', username: 'e2e-admin', password: 'e2e-admin-password' };
export const ADMIN_AUTHORIZATION = registryAuthorization(ADMIN)!;
/** For the @kafkajs/confluent-schema-registry client's `auth` option. */
export const ADMIN_BASIC = { username: ADMIN.username, password: ADMIN.password };
/** For the @confluentinc/schemaregistry client's `basicAuthCredentials` option. */
export const ADMIN_USER_INFO = { credentialsSource: 'USER_INFO' as const, userInfo: `${ADMIN.username}:${ADMIN.password}` };

export function startRegistry(schemasTopic: string): Promise<RunningSchemaRegistry> {
  return startSchemaRegistry({
    port: 0,
    host: '127.0.0.1',
    kafkaBrokers: TEST_BROKERS,
    schemasTopic,
    auth: { mode: 'required', users: [registryUser(ADMIN.username, 'admin', ADMIN.password)] },
  });
}

export async function deleteTopic(topic: string): Promise<void> {
  await withAdmin(testKafka('registry-e2e-cleanup'), (admin) => admin.deleteTopics({ topics: [topic] })).catch(() => undefined);
}

export interface HttpAnswer {
  status: number;
  contentType: string | null;
  body: any;
}

/**
 * One HTTP call, as the admin user unless `authorization` says otherwise (null: no credentials);
 * `body` is sent as given when it is a string, else as JSON.
 */
export async function call(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  contentType = VND,
  authorization: string | null = ADMIN_AUTHORIZATION,
): Promise<HttpAnswer> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': contentType }), ...(authorization === null ? {} : { authorization }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, contentType: response.headers.get('content-type'), body: parsed };
}

export const recordSchema = (name: string, fields: unknown[]) => ({ type: 'record', name, namespace: 'e2e', fields });
