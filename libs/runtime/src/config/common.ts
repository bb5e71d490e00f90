import { env } from './env';
import { kafkaEnv } from './kafka';

/** The settings every app shares. */
export const commonEnv = {
  kafkaBrokers: env.list('KAFKA_BROKERS', { default: ['127.0.0.1:9092'] }),
  kafkaClientId: env.string('KAFKA_CLIENT_ID', { default: 'event-platform' }),
  ...kafkaEnv,
  schemaRegistryUrl: env.url('SCHEMA_REGISTRY_URL', { default: 'http://127.0.0.1:8081' }),
  schemaRegistryCredentials: env.registryCredentials(),
  pipelineConfigPath: env.string('PIPELINE_CONFIG', { default: 'config/pipeline.yaml' }),
  /** How long a start that fails because Kafka or the registry is not reachable yet keeps retrying. */
  startRetryTimeoutMs: env.duration('START_RETRY_TIMEOUT', { default: '2m' }),
  logLevel: env.oneOf('LOG_LEVEL', ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const, { default: 'info' }),
  dataDir: env.string('DATA_DIR', { default: '.data' }),
  /** The address the app's HTTP server listens on: loopback unless set (containers set 0.0.0.0). */
  host: env.string('HOST', { default: '127.0.0.1' }),
  /** Event times further ahead of the clock are refused by the API and dead-lettered by the processor. */
  eventTimeMaxFutureSkewMs: env.duration('EVENT_TIME_MAX_FUTURE_SKEW', { default: '5m' }),
};
