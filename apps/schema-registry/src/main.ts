/** The schema registry process: config from the environment, graceful shutdown on SIGINT/SIGTERM. */
import { runService } from '@platform/observability';
import { startSchemaRegistry } from './bootstrap';
import { loadRegistryConfig } from './config';

void runService({
  name: 'schema-registry',
  loadConfig: loadRegistryConfig,
  start: async ({ config }) => {
    const registry = await startSchemaRegistry(config);
    return { url: registry.url, stop: () => registry.close() };
  },
});
