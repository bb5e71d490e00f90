/** The schema registry process: config from the environment, graceful shutdown on SIGINT/SIGTERM. */
import { isRetriableKafkaError } from '@platform/kafka';
import { runService } from '@platform/runtime';
import { startSchemaRegistry } from './bootstrap';
import { loadRegistryConfig } from './config';

void runService({
  name: 'schema-registry',
  // Kafka or the registry not reachable yet: start again in place (START_RETRY_TIMEOUT).
  isRetriable: isRetriableKafkaError,
  loadConfig: loadRegistryConfig,
  start: async ({ config }) => {
    const registry = await startSchemaRegistry(config);
    return { url: registry.url, stop: () => registry.close() };
  },
});
