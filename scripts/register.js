// Runs the TypeScript sources directly: `node -r ./scripts/register.js apps/<app>/src/main.ts`.
// Compiles each .ts file with swc (decorator metadata on, as NestJS needs) and resolves @platform/* aliases.
const fs = require('fs');
const path = require('path');
const { transformSync } = require('@swc/core');
const tsconfigPaths = require('tsconfig-paths');

const root = path.join(__dirname, '..');
const tsconfig = require(path.join(root, 'tsconfig.json'));
tsconfigPaths.register({ baseUrl: root, paths: tsconfig.compilerOptions.paths });

require.extensions['.ts'] = function compile(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, {
    filename,
    sourceMaps: 'inline',
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
process.setSourceMapsEnabled?.(true);
