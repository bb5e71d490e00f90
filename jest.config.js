// Two projects: fast unit specs beside the code, and end-to-end tests against the real stack; a third
// when KAFKA_COMPAT_BROKERS names a broker of another Kafka version (scripts/test.sh starts one): the
// Kafka-layer end-to-end tests again, against that broker.
const { pathsToModuleNameMapper } = require('./scripts/jest-paths');
const swc = ['@swc/jest', require('./scripts/swc-options')];
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: pathsToModuleNameMapper(),
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Stryker's sandboxes (mutation testing) are copies of this tree.
  modulePathIgnorePatterns: ['<rootDir>/.stryker-tmp'],
};
const e2e = { ...common, testMatch: ['<rootDir>/test/**/*.e2e.ts'], setupFilesAfterEnv: ['<rootDir>/test/setup-e2e.ts'] };
const compatTests = ['test/kafka/*.e2e.ts', 'test/processor/happy-path.e2e.ts', 'test/schema-registry/durability.e2e.ts'];
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/bench/**/*.spec.ts'] },
    { ...e2e, displayName: 'e2e' },
    ...(process.env.KAFKA_COMPAT_BROKERS
      ? [
          {
            ...e2e,
            displayName: `e2e-kafka-${process.env.KAFKA_COMPAT_VERSION || 'compat'}`,
            testMatch: compatTests.map((path) => `<rootDir>/${path}`),
            setupFiles: ['<rootDir>/test/setup-compat-broker.ts'],
          },
        ]
      : []),
  ],
};
