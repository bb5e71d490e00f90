/**
 * The sink process: Kafka -> warehouse (DuckDB, PostgreSQL or Snowflake) and lake (local directory or
 * S3, Parquet). Configuration from the environment (see config.ts and docs/sink.md); /metrics and
 * /health on SINK_OPS_PORT. SIGTERM/SIGINT flush, commit and exit; a destination that cannot continue
 * safely exits the process with status 1 so a supervisor restarts it and it replays from its positions.
 */
import { isRetriableKafkaError } from '@platform/kafka';
import { isRetriableRegistryError } from '@platform/schema';
import { runService } from '@platform/runtime';
import { loadSinkConfig } from './config';
import { startSink } from './bootstrap';

void runService({
  name: 'sink',
  // Kafka or the registry not reachable yet: start again in place (START_RETRY_TIMEOUT).
  isRetriable: (error) => isRetriableKafkaError(error) || isRetriableRegistryError(error),
  loadConfig: loadSinkConfig,
  fatalReason: 'destination failed',
  start: ({ config, logger, onFatal }) => startSink({ config, logger, onFatal }),
});
