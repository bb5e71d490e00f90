/** The ingest API process: config from the environment, graceful shutdown on SIGINT/SIGTERM. */
import { isRetriableKafkaError } from '@platform/kafka';
import { isRetriableRegistryError } from '@platform/schema';
import { runService } from '@platform/runtime';
import { startIngestApi } from './bootstrap';
import { loadIngestConfig } from './config';

void runService({
  name: 'ingest-api',
  // Kafka or the registry not reachable yet: start again in place (START_RETRY_TIMEOUT).
  isRetriable: (error) => isRetriableKafkaError(error) || isRetriableRegistryError(error),
  loadConfig: loadIngestConfig,
  start: async ({ config }) => {
    const api = await startIngestApi({ loadedConfig: config });
    return { url: api.url, stop: () => api.close() };
  },
});
