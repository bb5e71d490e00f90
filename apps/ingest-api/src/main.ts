/** The ingest API process: config from the environment, graceful shutdown on SIGINT/SIGTERM. */
import { logger, onShutdown } from '@platform/observability';
import { startIngestApi } from './bootstrap';

async function main(): Promise<void> {
  const api = await startIngestApi();
  onShutdown('ingest-api', () => api.close());
}

main().catch((error) => {
  logger().fatal({ err: error instanceof Error ? error.message : String(error) }, 'ingest API failed to start');
  process.exit(1);
});
