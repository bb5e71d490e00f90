/**
 * The sink's configuration from the environment, validated at startup: every problem is reported
 * at once and names the variable to set (e.g. WAREHOUSE=snowflake without SNOWFLAKE_ACCOUNT).
 */
import { join } from 'path';
import { commonEnv, ConfigError, ConfigOf, env, loadEnv } from '@platform/runtime';
import { SnowflakeSettings } from '@platform/warehouse';

type Source = Record<string, string | undefined>;

export type DestinationName = 'warehouse' | 'lake';

const baseSpec = (source: Source) => ({
  ...commonEnv,
  destinations: env.list('SINK_DESTINATIONS', { default: ['warehouse', 'lake'] }),
  warehouse: env.oneOf('WAREHOUSE', ['duckdb', 'postgres', 'snowflake'] as const, { default: 'duckdb' }),
  duckdbPath: env.optionalString('WAREHOUSE_DUCKDB_PATH'),
  duckdbHoldOpen: env.bool('WAREHOUSE_DUCKDB_HOLD_OPEN', { default: false }),
  lake: env.oneOf('LAKE', ['local', 's3'] as const, { default: source.LAKE_S3_BUCKET ? 's3' : 'local' }),
  lakeDir: env.optionalString('LAKE_DIR'),
  lakePrefix: env.string('LAKE_S3_PREFIX', { default: '' }),
  flushMaxRecords: env.int('SINK_FLUSH_MAX_RECORDS', { default: 10_000, min: 1 }),
  flushMaxBytes: env.int('SINK_FLUSH_MAX_BYTES', { default: 16 * 1024 * 1024, min: 1 }),
  flushIntervalMs: env.duration('SINK_FLUSH_INTERVAL', { default: '5s' }),
  warehouseGroup: env.string('SINK_WAREHOUSE_GROUP', { default: 'sink-warehouse' }),
  lakeGroup: env.string('SINK_LAKE_GROUP', { default: 'sink-lake' }),
  opsPort: env.int('SINK_OPS_PORT', { default: 9102, min: 0, max: 65535 }),
  retryMaxAttempts: env.int('SINK_RETRY_MAX_ATTEMPTS', { default: 5, min: 1 }),
  retryBaseDelayMs: env.duration('SINK_RETRY_BASE_DELAY', { default: '200ms' }),
  retryMaxDelayMs: env.duration('SINK_RETRY_MAX_DELAY', { default: '10s' }),
  sessionTimeoutMs: env.duration('SINK_KAFKA_SESSION_TIMEOUT', { default: '30s' }),
  shutdownTimeoutMs: env.duration('SINK_SHUTDOWN_TIMEOUT', { default: '30s' }),
});

const postgresSpec = {
  url: env.url('WAREHOUSE_URL', { default: undefined }),
};

const snowflakeSpec = {
  account: env.string('SNOWFLAKE_ACCOUNT', { description: 'the Snowflake account identifier, e.g. xy12345.eu-west-1' }),
  username: env.string('SNOWFLAKE_USER', { description: 'the Snowflake user the sink logs in as' }),
  password: env.optionalString('SNOWFLAKE_PASSWORD'),
  privateKey: env.optionalString('SNOWFLAKE_PRIVATE_KEY'),
  privateKeyPath: env.optionalString('SNOWFLAKE_PRIVATE_KEY_PATH'),
  privateKeyPass: env.optionalString('SNOWFLAKE_PRIVATE_KEY_PASSPHRASE'),
  database: env.string('SNOWFLAKE_DATABASE', { description: 'the database holding the RAW and ANALYTICS schemas' }),
  schema: env.string('SNOWFLAKE_SCHEMA', { default: 'PUBLIC' }),
  warehouse: env.string('SNOWFLAKE_WAREHOUSE', { description: 'the virtual warehouse that runs the MERGE statements' }),
  role: env.optionalString('SNOWFLAKE_ROLE'),
};

const s3Spec = {
  bucket: env.string('LAKE_S3_BUCKET', { description: 'the bucket the lake is written to' }),
  region: env.string('LAKE_S3_REGION', { default: 'us-east-1' }),
  endpoint: env.optionalUrl('LAKE_S3_ENDPOINT'),
  forcePathStyle: env.bool('LAKE_S3_FORCE_PATH_STYLE', { default: false }),
  accessKeyId: env.optionalString('AWS_ACCESS_KEY_ID'),
  secretAccessKey: env.optionalString('AWS_SECRET_ACCESS_KEY'),
};

export type SinkConfig = Omit<ConfigOf<ReturnType<typeof baseSpec>>, 'destinations'> & {
  destinations: DestinationName[];
  duckdbPath: string;
  lakeDir: string;
  postgres?: { url: string };
  snowflake?: SnowflakeSettings;
  s3?: ConfigOf<typeof s3Spec>;
};

function collect<T>(problems: string[], load: () => T): T | undefined {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
    return undefined;
  }
}

export function loadSinkConfig(source: Source = process.env): SinkConfig {
  const problems: string[] = [];
  const base = collect(problems, () => loadEnv(baseSpec(source), source));
  if (!base) throw new ConfigError(problems);

  const destinations = base.destinations as DestinationName[];
  const unknown = destinations.filter((d) => d !== 'warehouse' && d !== 'lake');
  if (unknown.length > 0) problems.push(`SINK_DESTINATIONS must list warehouse and/or lake, got "${unknown.join(', ')}"`);
  if (destinations.length === 0) problems.push('SINK_DESTINATIONS must name at least one of warehouse, lake');
  if (base.warehouseGroup === base.lakeGroup)
    problems.push('SINK_WAREHOUSE_GROUP and SINK_LAKE_GROUP must differ (each destination has its own consumer group)');

  const config: SinkConfig = {
    ...base,
    destinations,
    duckdbPath: base.duckdbPath ?? join(base.dataDir, 'warehouse.duckdb'),
    lakeDir: base.lakeDir ?? join(base.dataDir, 'lake'),
  };

  if (destinations.includes('warehouse') && base.warehouse === 'postgres') {
    const pg = collect(problems, () => loadEnv(postgresSpec, source));
    if (pg) config.postgres = { url: pg.url };
  }
  if (destinations.includes('warehouse') && base.warehouse === 'snowflake') {
    const sf = collect(problems, () => loadEnv(snowflakeSpec, source));
    if (sf) {
      if (!sf.password && !sf.privateKey && !sf.privateKeyPath) {
        problems.push('SNOWFLAKE_PASSWORD, SNOWFLAKE_PRIVATE_KEY or SNOWFLAKE_PRIVATE_KEY_PATH is required when WAREHOUSE=snowflake');
      }
      config.snowflake = sf;
    }
  }
  if (destinations.includes('lake') && base.lake === 's3') {
    const s3 = collect(problems, () => loadEnv(s3Spec, source));
    if (s3) config.s3 = s3;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
