// The unit project of jest.config.js on its own, for tools that take a single jest config (StrykerJS).
// rootDir is this checkout, so the @platform/* aliases resolve to the files beside it (in Stryker's sandbox,
// the mutated copies).
const path = require('path');
const { projects } = require('../jest.config.js');
const unit = projects.find((p) => p.displayName === 'unit');
module.exports = { ...unit, rootDir: path.join(__dirname, '..') };
