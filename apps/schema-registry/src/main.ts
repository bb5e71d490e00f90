/** The schema registry process: config from the environment, graceful shutdown on SIGINT/SIGTERM. */
import { ConfigError } from '@platform/config';
import { createLogger, initMetrics, onShutdown } from '@platform/observability';
import { startSchemaRegistry } from './bootstrap';
import { loadRegistryConfig } from './config';

async function main(): Promise<void> {
  let config;
  try {
    config = loadRegistryConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
  const log = createLogger('schema-registry', config.logLevel);
  initMetrics('schema-registry');
  try {
    const registry = await startSchemaRegistry({
      port: config.port,
      host: config.host,
      kafkaBrokers: config.kafkaBrokers,
      schemasTopic: config.schemasTopic,
      auth: config.auth,
      schemaLimits: config.schemaLimits,
      kafkaSecurity: config.kafkaSecurity,
      kafkaCompression: config.kafkaCompression,
      kafkaReplicationFactor: config.kafkaReplicationFactor,
      kafkaMinInsyncReplicas: config.kafkaMinInsyncReplicas,
    });
    onShutdown('schema-registry', () => registry.close());
    log.info({ url: registry.url }, 'schema registry ready');
  } catch (error) {
    log.fatal({ err: error }, 'schema registry failed to start');
    process.exit(1);
  }
}

void main();
