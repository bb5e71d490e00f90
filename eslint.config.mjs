import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Dependencies point one way: scripts and tests use apps and libs, apps use libs, libs use neither.
// (Import paths are matched as written: relative paths by the directory they reach, plus the aliases.)
const intoApps = { regex: '^(\\.\\./)+apps/', message: 'libs/ is production code shared by the apps; it must not import apps/.' };
const intoTests = { regex: '^((\\.\\./)+test/|@test/)', message: 'production code must not import test support (test/).' };
const intoScripts = { regex: '^(\\.\\./)+scripts/', message: 'scripts/ holds commands; production code must not import them.' };
// The windowing engine and the processing rules are pure: no framework, no Kafka, no I/O.
const impure = ['@nestjs/*', 'kafkajs', 'fs', 'http', 'net'];
const nestInLibs = { group: ['@nestjs/*'], message: 'libraries load no NestJS (apart from the Nest entry of the runtime, libs/runtime/src/nest).' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', '.data/**', 'scripts/*.js', 'jest.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['apps/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [intoTests, intoScripts] }] },
  },
  {
    // NestJS only where an app is a Nest app; the processor and sink run without it.
    files: ['apps/processor/**/*.ts', 'apps/sink/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [intoTests, intoScripts, { group: ['@nestjs/*', '@platform/runtime/nest'], message: 'the processor and sink run without NestJS.' }] }] },
  },
  {
    files: ['libs/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [intoApps, intoTests, intoScripts, nestInLibs] }] },
  },
  {
    files: ['libs/runtime/src/nest/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [intoApps, intoTests, intoScripts] }] },
  },
  {
    // A spec beside library code may use the shared test support (e.g. the warehouse adapter contract).
    files: ['libs/**/*.spec.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [intoApps, intoScripts, nestInLibs] }] },
  },
  {
    files: ['libs/windowing/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [intoApps, intoTests, intoScripts, { group: impure }] }] },
  },
  {
    files: ['apps/processor/src/processing/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [intoTests, intoScripts, { group: impure }] }] },
  },
);
