/**
 * A schema registry for tests: the one already running at TEST_REGISTRY_URL if it answers to the test
 * credentials, else an in-process apps/schema-registry on a free port with its own schemas topic and
 * the test credentials as its admin user (`close` stops it and deletes that topic). Tests hand
 * `clientEnv` to the apps they start, and `credentials` to the registry clients they build.
 */
import { env, loadEnv, RegistryCredentials } from '@platform/runtime';
import { withAdmin } from '@platform/kafka';
import { registryAuthorization } from '@platform/schema';
import { TEST_BROKERS, TEST_REGISTRY_URL, testKafka, uniqueName } from './index';

export interface TestRegistry {
  url: string;
  credentials: RegistryCredentials;
  /** SCHEMA_REGISTRY_URL and the credential variable (the other credential variables unset), for an app's environment. */
  clientEnv: Record<string, string | undefined>;
  close(): Promise<void>;
}

/**
 * The credentials tests present: SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO / SCHEMA_REGISTRY_BEARER_TOKEN
 * (scripts/test.sh exports what deploy/local/registry.sh generated), else a fixed test-only user.
 */
export const TEST_REGISTRY_CREDENTIALS: RegistryCredentials = loadEnv({ credentials: env.registryCredentials() }).credentials ?? {
  kind: 'basic',
  username: 'platform-test',
  password: 'platform-test-only-password',
};

/** The environment an app needs to reach `url` with `credentials`. */
export function registryClientEnv(
  url: string,
  credentials: RegistryCredentials = TEST_REGISTRY_CREDENTIALS,
): Record<string, string | undefined> {
  // Spread over process.env, so a *_FILE variable given to the test run must not come along.
  const unset = {
    SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: undefined,
    SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_FILE: undefined,
    SCHEMA_REGISTRY_BEARER_TOKEN: undefined,
    SCHEMA_REGISTRY_BEARER_TOKEN_FILE: undefined,
  };
  return credentials.kind === 'basic'
    ? { ...unset, SCHEMA_REGISTRY_URL: url, SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: `${credentials.username}:${credentials.password}` }
    : { ...unset, SCHEMA_REGISTRY_URL: url, SCHEMA_REGISTRY_BEARER_TOKEN: credentials.token };
}

/** Options for the @kafkajs/confluent-schema-registry client (it speaks HTTP basic only). */
export function kafkajsRegistryAuth(
  credentials: RegistryCredentials = TEST_REGISTRY_CREDENTIALS,
): { username: string; password: string } | undefined {
  return credentials.kind === 'basic' ? { username: credentials.username, password: credentials.password } : undefined;
}

async function answers(url: string): Promise<boolean> {
  try {
    const authorization = registryAuthorization(TEST_REGISTRY_CREDENTIALS);
    const response = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(1500), headers: authorization ? { authorization } : {} });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

export async function ensureRegistry(): Promise<TestRegistry> {
  if (await answers(TEST_REGISTRY_URL)) {
    return {
      url: TEST_REGISTRY_URL,
      credentials: TEST_REGISTRY_CREDENTIALS,
      clientEnv: registryClientEnv(TEST_REGISTRY_URL),
      close: async () => undefined,
    };
  }
  // Loaded only when needed, so tests against a running registry never load the registry's code.
  const { startSchemaRegistry } = await import('../../apps/schema-registry/src/bootstrap');
  const { registryUser } = await import('../../apps/schema-registry/src/auth/registry-auth');
  const credentials: RegistryCredentials =
    TEST_REGISTRY_CREDENTIALS.kind === 'basic'
      ? TEST_REGISTRY_CREDENTIALS
      : { kind: 'basic', username: 'platform-test', password: 'platform-test-only-password' };
  const schemasTopic = uniqueName('_schemas.test');
  const registry = await startSchemaRegistry({
    port: 0,
    host: '127.0.0.1',
    kafkaBrokers: TEST_BROKERS,
    schemasTopic,
    auth: { mode: 'required', users: [registryUser(credentials.username, 'admin', credentials.password)] },
  });
  return {
    url: registry.url,
    credentials,
    clientEnv: registryClientEnv(registry.url, credentials),
    close: async () => {
      await registry.close();
      // The topic existed only for this registry.
      await withAdmin(testKafka('ensure-registry'), (admin) => admin.deleteTopics({ topics: [schemasTopic] })).catch(() => undefined);
    },
  };
}
