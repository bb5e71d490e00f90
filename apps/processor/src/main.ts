/**
 * The processor process: validate, enrich and repartition (stage A), then event-time windows with
 * exactly-once state (stage B). Configuration from the environment (config.ts); /metrics and
 * /health on PROCESSOR_OPS_PORT. SIGTERM/SIGINT finish the transactions in flight and exit.
 */
import { isRetriableKafkaError } from '@platform/kafka';
import { isRetriableRegistryError } from '@platform/schema';
import { runService } from '@platform/runtime';
import { startProcessor } from './bootstrap';
import { loadProcessorConfig } from './config';

void runService({
  name: 'processor',
  // Kafka or the registry not reachable yet: start again in place (START_RETRY_TIMEOUT).
  isRetriable: (error) => isRetriableKafkaError(error) || isRetriableRegistryError(error),
  loadConfig: loadProcessorConfig,
  start: ({ config, logger, onFatal }) => startProcessor({ config, logger, onFatal }),
});
