// The production build (`npm run build`): deletes dist/, compiles the apps, the libraries and the operator commands
// to JavaScript in dist/ once, as nest-cli.json describes (tsc builder, tsconfig.build.json, so each
// app's entry is dist/apps/<app>/src/main.js), then:
//   - rewrites the @platform/* path aliases into relative requires (tsc-alias), as the Nest CLI's tsc
//     builder does, so the compiled output runs with plain `node` and needs no loader at run time;
//   - copies the web console's static files (apps/ingest-api/console) beside the compiled ingest API;
//   - writes dist/build-info.json: the version (package.json) and the commit (BUILD_COMMIT, else
//     `git rev-parse HEAD`, else "unknown"), which the apps report as build_info and in /health.
const { execFileSync } = require('child_process');
const { cpSync, mkdirSync, rmSync, writeFileSync } = require('fs');
const path = require('path');
const { replaceTscAliasPaths } = require('tsc-alias');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');
const tsconfig = path.join(root, 'tsconfig.build.json');

function commit() {
  if (process.env.BUILD_COMMIT) return process.env.BUILD_COMMIT;
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'unknown';
  }
}

async function main() {
  rmSync(dist, { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', tsconfig], { cwd: root, stdio: 'inherit' });
  await replaceTscAliasPaths({ configFile: tsconfig, resolveFullPaths: false });
  // The console's page and modules are served as they are, beside the compiled ingest API.
  cpSync(path.join(root, 'apps/ingest-api/console'), path.join(dist, 'apps/ingest-api/console'), { recursive: true });
  const info = { version: require(path.join(root, 'package.json')).version, commit: commit(), built_at: new Date().toISOString() };
  mkdirSync(dist, { recursive: true });
  writeFileSync(path.join(dist, 'build-info.json'), `${JSON.stringify(info, null, 2)}\n`);
  process.stdout.write(`built dist/ (version ${info.version}, commit ${info.commit})\n`);
}

main().catch((error) => {
  process.stderr.write(`build failed: ${error && error.message ? error.message : error}\n`);
  process.exit(1);
});
