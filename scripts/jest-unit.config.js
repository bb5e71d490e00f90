// The unit project of jest.config.js on its own, for tools that take a single jest config (StrykerJS).
// rootDir is this checkout, so the @platform/* aliases resolve to the files beside it (in Stryker's sandbox,
// the mutated copies).
// MUTATION_TEST_ROOTS=libs/schema (comma-separated folders): only the specs under those folders run, so a
// lib is measured by its own unit tests; much faster than every app spec that happens to reach the lib.
const path = require('path');
const { projects } = require('../jest.config.js');
const unit = projects.find((p) => p.displayName === 'unit');
const roots = (process.env.MUTATION_TEST_ROOTS ?? '').split(',').filter((r) => r.trim() !== '');
module.exports = {
  ...unit,
  rootDir: path.join(__dirname, '..'),
  ...(roots.length > 0 ? { testMatch: roots.map((r) => `<rootDir>/${r.trim().replace(/\/+$/, '')}/**/*.spec.ts`) } : {}),
};
