// Runs the TypeScript sources directly: `node -r ./scripts/register.js apps/<app>/src/main.ts`.
// Compiles each .ts file with swc (options in .swcrc) and resolves the path aliases of tsconfig.json.
const fs = require('fs');
const path = require('path');
const { transformSync } = require('@swc/core');
const swcOptions = require('./swc-options');
const tsconfigPaths = require('tsconfig-paths');

const root = path.join(__dirname, '..');
const tsconfig = require(path.join(root, 'tsconfig.json'));
tsconfigPaths.register({ baseUrl: root, paths: tsconfig.compilerOptions.paths });

require.extensions['.ts'] = function compile(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, { ...swcOptions, filename });
  module._compile(code, filename);
};
process.setSourceMapsEnabled?.(true);
