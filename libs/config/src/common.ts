import { env } from './env';
import { kafkaEnv } from './kafka';

/** The settings every app shares. */
export const commonEnv = {
  kafkaBrokers: env.list('KAFKA_BROKERS', { default: ['127.0.0.1:9092'] }),
  kafkaClientId: env.string('KAFKA_CLIENT_ID', { default: 'event-platform' }),
  ...kafkaEnv,
  schemaRegistryUrl: env.url('SCHEMA_REGISTRY_URL', { default: 'http://127.0.0.1:8081' }),
  pipelineConfigPath: env.string('PIPELINE_CONFIG', { default: 'config/pipeline.yaml' }),
  logLevel: env.oneOf('LOG_LEVEL', ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const, { default: 'info' }),
  dataDir: env.string('DATA_DIR', { default: '.data' }),
};
