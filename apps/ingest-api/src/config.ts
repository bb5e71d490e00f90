/** The ingest API's settings, read once from the environment at startup (fails fast naming the variable). */
import { hostname } from 'os';
import { randomBytes } from 'crypto';
import { commonEnv, ConfigError, ConfigOf, env, loadEnv } from '@platform/runtime';
import { AuthSettings, authSettingsFromEnv } from '@platform/auth';
import { loadServingConfig, ServingConfig } from './serving/serving-config';
import { ConsoleConfig, loadConsoleConfig } from './console/console-config';

export const ingestEnv = {
  ...commonEnv,
  port: env.int('PORT', { default: 3000, min: 0, max: 65535 }),
  instanceId: env.optionalString('INSTANCE_ID'),
  bodyLimit: env.int('BODY_LIMIT', { default: 1024 * 1024, min: 1024 }),
  batchMaxEvents: env.int('BATCH_MAX_EVENTS', { default: 1000, min: 1 }),
  batchMaxBytes: env.int('BATCH_MAX_BYTES', { default: 5 * 1024 * 1024, min: 1024 }),
  produceTimeoutMs: env.duration('PRODUCE_TIMEOUT', { default: '15s' }),
  registryTimeoutMs: env.duration('REGISTRY_TIMEOUT', { default: '3s' }),
  maxPendingRecords: env.int('MAX_PENDING_RECORDS', { default: 50_000, min: 1 }),
  idempotencyTtlMs: env.duration('IDEMPOTENCY_TTL', { default: '1h' }),
  idempotencyMaxEntries: env.int('IDEMPOTENCY_MAX_ENTRIES', { default: 200_000, min: 1 }),
  redisUrl: env.optionalUrl('REDIS_URL'),
  redisKeyPrefix: env.string('REDIS_KEY_PREFIX', { default: 'ingest:' }),
  throttleLimit: env.int('THROTTLE_LIMIT', { default: 100, min: 1 }),
  throttleTtlMs: env.duration('THROTTLE_TTL', { default: '1m' }),
  corsOrigins: env.list('CORS_ORIGINS', { default: [] }),
  latestTimeoutMs: env.duration('LATEST_TIMEOUT', { default: '5s' }),
  latestMaxConcurrency: env.int('LATEST_MAX_CONCURRENCY', { default: 4, min: 1 }),
  wsMaxBufferedBytes: env.int('WS_MAX_BUFFERED_BYTES', { default: 1024 * 1024, min: 1024 }),
  wsPingIntervalMs: env.duration('WS_PING_INTERVAL', { default: '30s' }),
  wsResumeMaxRecords: env.int('WS_RESUME_MAX_RECORDS', { default: 100_000, min: 0 }),
  ensureTopics: env.bool('ENSURE_TOPICS', { default: true }),
  docs: env.bool('API_DOCS', { default: true }),
  /** A client must send its request headers within this time, and the whole request (body included) within the next. */
  headersTimeoutMs: env.duration('HTTP_HEADERS_TIMEOUT', { default: '5s' }),
  requestTimeoutMs: env.duration('HTTP_REQUEST_TIMEOUT', { default: '15s' }),
  /** Older event times are refused; 0 (the default) accepts any age. */
  eventTimeMaxAgeMs: env.duration('EVENT_TIME_MAX_AGE', { default: '0' }),
};

/** The environment's fields, with the instance id settled and the auth and serving settings parsed. */
export type IngestConfig = Omit<ConfigOf<typeof ingestEnv>, 'instanceId'> & {
  instanceId: string;
  auth: AuthSettings;
  serving: ServingConfig;
  console: ConsoleConfig;
};

export function loadIngestConfig(source: Record<string, string | undefined> = process.env): IngestConfig {
  const raw = loadEnv(ingestEnv, source);
  // Node refuses to start a server whose header deadline is past its request deadline.
  if (raw.headersTimeoutMs > raw.requestTimeoutMs) {
    throw new ConfigError([
      `HTTP_HEADERS_TIMEOUT (${raw.headersTimeoutMs} ms) must not exceed HTTP_REQUEST_TIMEOUT (${raw.requestTimeoutMs} ms): raise HTTP_REQUEST_TIMEOUT or lower HTTP_HEADERS_TIMEOUT`,
    ]);
  }
  return {
    ...raw,
    instanceId: raw.instanceId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    auth: authSettingsFromEnv(source),
    serving: loadServingConfig(source),
    console: loadConsoleConfig(source),
  };
}
