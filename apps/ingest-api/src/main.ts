/** The ingest API process: config from the environment, graceful shutdown on SIGINT/SIGTERM. */
import { runService } from '@platform/observability';
import { startIngestApi } from './bootstrap';
import { loadIngestConfig } from './config';

void runService({
  name: 'ingest-api',
  loadConfig: loadIngestConfig,
  start: async ({ config }) => {
    const api = await startIngestApi({ loadedConfig: config });
    return { url: api.url, stop: () => api.close() };
  },
});
