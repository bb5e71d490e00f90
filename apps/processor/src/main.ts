/**
 * The processor process: validate, enrich and repartition (stage A), then event-time windows with
 * exactly-once state (stage B). Configuration from the environment (config.ts); /metrics and
 * /health on PROCESSOR_OPS_PORT. SIGTERM/SIGINT finish the transactions in flight and exit.
 */
import { ConfigError } from '@platform/config';
import { createLogger, initMetrics, onShutdown, startOpsServer } from '@platform/observability';
import { startProcessor } from './bootstrap';
import { loadProcessorConfig } from './config';

async function main(): Promise<void> {
  let config;
  try {
    config = loadProcessorConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger('processor', config.logLevel);
  initMetrics('processor');
  const ops = await startOpsServer(config.opsPort);
  const processor = await startProcessor({ config, logger: log });
  onShutdown('processor', () => processor.stop());
  onShutdown('ops-server', () => new Promise<void>((resolve) => ops.close(() => resolve())));
  log.info({ ops_port: config.opsPort }, 'processor ready');
}

main().catch((error) => {
  createLogger('processor').fatal({ err: error }, 'processor failed to start');
  process.exit(1);
});
