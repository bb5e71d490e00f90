/**
 * The sink process: Kafka -> warehouse (DuckDB, PostgreSQL or Snowflake) and lake (local directory or
 * S3, Parquet). Configuration from the environment (see config.ts and docs/sink.md); /metrics and
 * /health on SINK_OPS_PORT. SIGTERM/SIGINT flush, commit and exit; a destination that cannot continue
 * safely exits the process with status 1 so a supervisor restarts it and it replays from its positions.
 */
import { createLogger, initMetrics, onShutdown, shutdown, startOpsServer } from '@platform/observability';
import { ConfigError } from '@platform/config';
import { loadSinkConfig } from './config';
import { startSink } from './bootstrap';

async function main(): Promise<void> {
  let config;
  try {
    config = loadSinkConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger('sink', config.logLevel);
  initMetrics('sink');
  const ops = await startOpsServer(config.opsPort);
  const sink = await startSink({
    config,
    logger: log,
    onFatal: () => void shutdown('destination failed', 1),
  });
  onShutdown('sink', () => sink.stop());
  onShutdown('ops-server', () => new Promise<void>((resolve) => ops.close(() => resolve())));
  log.info({ ops_port: config.opsPort }, 'sink ready');
}

main().catch((error) => {
  createLogger('sink').fatal({ err: error }, 'sink failed to start');
  process.exit(1);
});
