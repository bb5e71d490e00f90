/**
 * A schema registry for tests: the one already running at TEST_REGISTRY_URL if it answers, else an
 * in-process apps/schema-registry on a free port with its own schemas topic (`close` stops it and
 * deletes that topic).
 */
import { withAdmin } from '@platform/kafka';
import { TEST_BROKERS, TEST_REGISTRY_URL, testKafka, uniqueName } from './index';

export interface TestRegistry {
  url: string;
  close(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(1500) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

export async function ensureRegistry(): Promise<TestRegistry> {
  if (await answers(TEST_REGISTRY_URL)) return { url: TEST_REGISTRY_URL, close: async () => undefined };
  // Loaded only when needed, so tests against a running registry never load the registry's code.
  const { startSchemaRegistry } = await import('../../../apps/schema-registry/src/bootstrap');
  const schemasTopic = uniqueName('_schemas.test');
  const registry = await startSchemaRegistry({ port: 0, host: '127.0.0.1', kafkaBrokers: TEST_BROKERS, schemasTopic });
  return {
    url: registry.url,
    close: async () => {
      await registry.close();
      // The topic existed only for this registry.
      await withAdmin(testKafka('ensure-registry'), (admin) => admin.deleteTopics({ topics: [schemasTopic] })).catch(() => undefined);
    },
  };
}
