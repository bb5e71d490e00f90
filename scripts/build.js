// The production build (`npm run build`): reads nest-cli.json, the manifest of what is built (its tsc
// builder, its tsConfigPath, its deleteOutDir, its projects), deletes dist/, compiles the apps, the
// libraries and the operator commands to JavaScript in dist/ once (so each app's entry is
// dist/<sourceRoot>/<entryFile>.js, where the Nest CLI would put it), checks every application entry
// exists and that the libraries it lists are exactly libs/*, then:
//   - rewrites the @platform/* path aliases into relative requires (tsc-alias), as the Nest CLI's tsc
//     builder does, so the compiled output runs with plain `node` and needs no loader at run time;
//   - copies the web console's static files (apps/ingest-api/console) beside the compiled ingest API;
//   - writes dist/build-info.json: the version (package.json) and the commit (BUILD_COMMIT, else
//     `git rev-parse HEAD`, else "unknown"), which the apps report as build_info and in /health.
const { execFileSync } = require('child_process');
const { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } = require('fs');
const path = require('path');
const { replaceTscAliasPaths } = require('tsc-alias');

const root = path.join(__dirname, '..');
const nest = require(path.join(root, 'nest-cli.json'));
const dist = path.join(root, require(path.join(root, 'tsconfig.json')).compilerOptions.outDir);
const tsconfig = path.join(root, nest.compilerOptions.tsConfigPath);

/** nest-cli.json must say what this build does: fails when it names another builder or other libraries. */
function checkManifest() {
  if (nest.compilerOptions.builder !== 'tsc') throw new Error(`nest-cli.json names builder ${nest.compilerOptions.builder}; this build is tsc`);
  const listed = Object.entries(nest.projects).filter(([, p]) => p.type === 'library').map(([, p]) => p.root).sort();
  const present = readdirSync(path.join(root, 'libs'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `libs/${e.name}`).sort();
  if (JSON.stringify(listed) !== JSON.stringify(present)) throw new Error(`nest-cli.json lists libraries ${listed.join(', ')}; libs/ holds ${present.join(', ')}`);
}

function checkEntries() {
  for (const [name, project] of Object.entries(nest.projects)) {
    if (project.type !== 'application') continue;
    const entry = path.join(dist, project.sourceRoot, `${project.entryFile}.js`);
    if (!existsSync(entry)) throw new Error(`${name}: no compiled entry at ${path.relative(root, entry)}`);
  }
}

function commit() {
  if (process.env.BUILD_COMMIT) return process.env.BUILD_COMMIT;
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'unknown';
  }
}

async function main() {
  checkManifest();
  if (nest.compilerOptions.deleteOutDir) rmSync(dist, { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', tsconfig], { cwd: root, stdio: 'inherit' });
  await replaceTscAliasPaths({ configFile: tsconfig, resolveFullPaths: false });
  checkEntries();
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
