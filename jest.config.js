// Two projects: fast unit specs beside the code, and end-to-end tests against the real stack.
const { pathsToModuleNameMapper } = require('./scripts/jest-paths');
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022', keepClassNames: true } }];
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: pathsToModuleNameMapper(),
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Stryker's sandboxes (mutation testing) are copies of this tree.
  modulePathIgnorePatterns: ['<rootDir>/.stryker-tmp'],
};
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e.ts'], setupFilesAfterEnv: ['<rootDir>/test/setup-e2e.ts'] },
  ],
};
