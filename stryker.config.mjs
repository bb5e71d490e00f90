// Mutation testing (StrykerJS): `npm run test:mutation`. See docs/TESTING.md for what is mutated, why
// some files are not, and the latest scores. Not part of CI: a full run takes most of an hour here.
// One module at a time while working, e.g.:
//   npx stryker run --mutate 'libs/schema/src/**/*.ts,!libs/**/*.spec.ts'
// Incremental: results of unchanged code and tests are reused from test/mutation/stryker-incremental.json,
// which is committed so that measurements accumulate across clones and machines (see docs/TESTING.md).
export default {
  $schema: './node_modules/@stryker-mutator/core/schema/stryker-schema.json',
  packageManager: 'npm',
  testRunner: 'jest',
  // The unit project only (e2e tests need the broker, registry and PostgreSQL); swc transforms the TS.
  jest: { projectType: 'custom', configFile: 'scripts/jest-unit.config.js', enableFindRelatedTests: true },
  coverageAnalysis: 'perTest',
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  mutate: [
    'libs/**/*.ts',
    '!libs/**/*.spec.ts',
    '!libs/*/src/index.ts',
    '!libs/windowing/bench/**',
    // Thin adapters over a live service (Kafka, the registry, an HTTP server, Snowflake, S3, PostgreSQL,
    // a JWKS endpoint): their behaviour is proved by the e2e suite against the real service, which
    // Stryker does not run.
    '!libs/kafka/src/client.ts',
    '!libs/kafka/src/read-to-end.ts',
    '!libs/kafka/src/batching-producer.ts',
    '!libs/schema/src/registry-client.ts',
    '!libs/kafka/src/dlq-store.ts',
    '!libs/runtime/src/observability/http-server.ts',
    '!libs/runtime/src/nest/**',
    '!libs/auth/src/jwks-key-source.ts',
    '!libs/warehouse/src/postgres-adapter.ts',
    '!libs/warehouse/src/snowflake-session.ts',
    '!libs/lake/src/s3-store.ts',
    // Pure modules of the apps.
    'apps/schema-registry/src/domain/**/*.ts',
    'apps/schema-registry/src/compatibility/**/*.ts',
    'apps/schema-registry/src/avro/**/*.ts',
    'apps/ingest-api/src/events/event-preparation.ts',
    'apps/ingest-api/src/idempotency/idempotency.service.ts',
    'apps/ingest-api/src/idempotency/memory-idempotency-store.ts',
    'apps/ingest-api/src/throttling/subject-throttler.guard.ts',
    'apps/ingest-api/src/throttling/memory-throttler-storage.ts',
    'apps/processor/src/records.ts',
    'apps/processor/src/processing/*.ts',
    '!apps/processor/src/processing/index.ts',
    'apps/processor/src/stage-a/validator.ts',
    'apps/processor/src/stage-b/source-backlog.ts',
    'apps/sink/src/buffer/*.ts',
    'apps/sink/src/delivery/*.ts',
    'apps/sink/src/destinations/warehouse-destination.ts',
    '!apps/**/*.spec.ts',
  ],
  // The sandbox needs the sources, the configs, the scripts the jest config loads and the test support
  // some specs use (test/support); not the jar cache, data, e2e tests or benchmarks.
  ignorePatterns: ['.cache', '.data', 'dist', 'coverage', 'reports', '/test/*', '!/test/support', 'bench', 'deploy', 'docs', 'patches', '.stryker-tmp'],
  concurrency: 1,
  timeoutMS: 10000,
  incremental: true,
  incrementalFile: 'test/mutation/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 85, low: 75, break: 75 },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
