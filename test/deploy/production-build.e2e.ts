/**
 * The production build, run the way the image runs it, without a Docker engine: `npm run build`
 * compiles the apps once; scripts/stage-production.sh (the Dockerfile's build stage runs the same
 * script) stages dist/, config/, schemas/ and the production dependencies only (`npm ci --omit=dev`,
 * patches/ applied) in a directory outside the repository, so nothing resolves from the development
 * install; then the image's entrypoint (deploy/docker/entrypoint.sh) starts every app from that tree
 * on ports 26000-26102, against the shared broker on private topics, sink into DuckDB. A POSTed event
 * reaches the warehouse as a raw row and as its window's aggregate, read with the tree's compiled
 * `query` command; every app reports the build's version and commit as build_info and in /health.
 */
import { execFile, execFileSync } from 'child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'fs';
import { join, resolve } from 'path';
import { promisify } from 'util';
import { eventually, tempDir, TEST_BROKERS } from '@test/support';
import { PrivatePlatform } from '../support/platform';

const ROOT = resolve(__dirname, '../..');
const run = promisify(execFile);
const BASE_PORT = 26000;

const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
const headCommit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT }).toString().trim();
// The entrypoint runs the `node` on PATH, as in the image.
const nodeVersion = execFileSync('node', ['-p', 'process.version']).toString().trim();

/** The environment of the build and the apps: no commit override, so the build's own record is what they report. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.BUILD_COMMIT;
  delete env.BUILD_VERSION;
  delete env.NODE_PATH;
  return env;
}

describe('production build: compiled apps with production dependencies only', () => {
  const stageDir = tempDir('production-tree');
  const tree = join(stageDir, 'app');
  let platform: PrivatePlatform | undefined;

  beforeAll(async () => {
    await run(process.execPath, ['scripts/build.js'], { cwd: ROOT, env: cleanEnv(), maxBuffer: 64 * 1024 * 1024 });
    await run('bash', ['scripts/stage-production.sh', tree], { cwd: ROOT, env: cleanEnv(), maxBuffer: 64 * 1024 * 1024 });
  }, 480_000);

  afterAll(async () => {
    await platform?.stop(true);
    if (platform) rmSync(platform.workDir, { recursive: true, force: true });
    rmSync(stageDir, { recursive: true, force: true });
  }, 120_000);

  it('the tree holds the compiled entry of every app that nest-cli.json names, and no TypeScript source', () => {
    const nest = JSON.parse(readFileSync(join(ROOT, 'nest-cli.json'), 'utf8'));
    const apps = Object.entries(nest.projects as Record<string, { type: string; sourceRoot: string; entryFile: string }>).filter(
      ([, project]) => project.type === 'application',
    );
    expect(apps.map(([name]) => name).sort()).toEqual(['ingest-api', 'processor', 'schema-registry', 'sink']);
    for (const [, project] of apps) expect(existsSync(join(tree, 'dist', project.sourceRoot, `${project.entryFile}.js`))).toBe(true);
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
    const compiled = files(join(tree, 'dist'));
    expect(compiled.filter((f) => f.endsWith('.ts'))).toEqual([]);
    // The path aliases were rewritten into relative requires: nothing asks for @platform/* at run time.
    expect(compiled.filter((f) => f.endsWith('.js') && /require\("@platform\//.test(readFileSync(f, 'utf8')))).toEqual([]);
    expect(JSON.parse(readFileSync(join(tree, 'dist/build-info.json'), 'utf8'))).toEqual(
      expect.objectContaining({ version: packageJson.version, commit: headCommit }),
    );
  });

  it('node_modules holds exactly the production packages of the lock file, with patches/ applied', () => {
    const installed = (path: string) => existsSync(join(tree, path, 'package.json'));
    const entries = Object.entries(lock.packages as Record<string, { dev?: boolean; optional?: boolean }>).filter(([path]) => path !== '');
    const dev = entries.filter(([, entry]) => entry.dev).map(([path]) => path);
    const required = entries.filter(([, entry]) => !entry.dev && !entry.optional).map(([path]) => path);
    expect(dev.length).toBeGreaterThan(100);
    expect(dev.filter(installed)).toEqual([]);
    expect(required.filter((path) => !installed(path))).toEqual([]);
    for (const tool of ['typescript', '@swc/core', 'jest', 'eslint', 'patch-package', 'tsc-alias']) expect(installed(`node_modules/${tool}`)).toBe(false);
    // Each patch reverses cleanly on the tree: it is applied.
    for (const patch of readdirSync(join(ROOT, 'patches'))) {
      execFileSync('git', ['apply', '--reverse', '--check', join(ROOT, 'patches', patch)], { cwd: tree, stdio: 'pipe' });
    }
  });

  it('starts every app from the compiled output and carries a POSTed event to its raw row and its aggregate', async () => {
    platform = new PrivatePlatform({
      basePort: BASE_PORT,
      sharedBrokers: TEST_BROKERS.join(','),
      productionTree: tree,
      watermark: { idle_timeout: '2s' },
      sinkEnv: { WAREHOUSE: 'duckdb', SINK_FLUSH_INTERVAL: '500ms' },
    });
    await platform.start();

    // Each app process runs plain node on its compiled main.js from the tree.
    for (const app of Object.values(platform.apps)) {
      const cmdline = readFileSync(`/proc/${app.pid}/cmdline`, 'utf8').split('\0');
      expect(cmdline).toEqual(expect.arrayContaining([`dist/apps/${app.name}/src/main.js`]));
      expect(cmdline.join(' ')).not.toContain('register.js');
    }

    const topic = platform.pipeline.eventTypes.find((t) => t.name === 'transaction')!.topic;
    const hour = Math.floor((Date.now() - 3 * 3600_000) / 3600_000) * 3600_000;
    const eventId = `prod-${platform.suffix}`;
    const post = async (body: object) => {
      const response = await fetch(`${platform!.apiUrl}/api/v1/events/${topic}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${platform!.token()}` },
        body: JSON.stringify(body),
      });
      expect({ status: response.status, body: await response.json() }).toEqual({ status: 201, body: expect.objectContaining({ status: 'published' }) });
    };
    const payload = { side: 'BUY', quantity: 2, currency: 'USD' };
    await post({ event_id: eventId, timestamp: hour + 10_000, event_type: 'transaction', user_id: 'u-prod', payload: { ...payload, symbol: 'AAPL', amount: 12.5 } });
    // Far ahead in event time, same key: once the other partitions go idle the watermark passes the first window.
    await post({ event_id: `${eventId}-flush`, timestamp: hour + 45 * 60_000, event_type: 'transaction', user_id: 'u-prod', payload: { ...payload, symbol: 'MSFT', amount: 1 } });

    const query = async (sql: string): Promise<Array<Record<string, unknown>>> => {
      const { stdout } = await run('sh', [join(ROOT, 'deploy/docker/entrypoint.sh'), 'query', '--json', sql], {
        cwd: tree,
        env: { ...cleanEnv(), PLATFORM_HOME: tree, NODE_ENV: 'production', DATA_DIR: platform!.workDir, LAKE_DIR: platform!.lakeDir, PIPELINE_CONFIG: platform!.pipelinePath },
      });
      return stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line));
    };
    const raw = await eventually(
      async () => (await query(`SELECT event_id, user_id FROM raw.events WHERE event_id = '${eventId}'`))[0],
      'the raw row in the warehouse',
      90_000,
      1000,
    );
    expect(raw).toEqual({ event_id: eventId, user_id: 'u-prod' });
    const aggregate = await eventually(
      async () =>
        (
          await query(
            `SELECT window_name, group_key, CAST(count AS INTEGER) AS count, CAST(sum_value AS DOUBLE) AS sum_value FROM analytics.aggregated_events ` +
              `WHERE event_type = 'transaction' AND window_name = 'tumbling_1m' AND group_key = 'AAPL' AND NOT coalesce(retracted, false)`,
          )
        )[0],
      'the event window aggregate in the warehouse',
      90_000,
      1000,
    );
    expect(aggregate).toEqual({ window_name: 'tumbling_1m', group_key: 'AAPL', count: 1, sum_value: 12.5 });
  }, 300_000);

  it('every app reports its build (version, commit, Node.js version) as build_info and in its health response', async () => {
    expect(platform).toBeDefined();
    const base = (offset: number) => `http://127.0.0.1:${BASE_PORT + offset}`;
    const endpoints = [
      { app: 'schema-registry', metrics: `${base(81)}/metrics`, health: `${base(81)}/health` },
      { app: 'ingest-api', metrics: `${base(0)}/metrics`, health: `${base(0)}/api/v1/health` },
      { app: 'processor', metrics: `${base(101)}/metrics`, health: `${base(101)}/health` },
      { app: 'sink', metrics: `${base(102)}/metrics`, health: `${base(102)}/health` },
    ];
    const build = { version: packageJson.version, commit: headCommit, node_version: nodeVersion };
    for (const { app, metrics, health } of endpoints) {
      const text = await (await fetch(metrics)).text();
      const line = text.split('\n').find((l) => l.startsWith('build_info{'));
      expect({ app, line }).toEqual({ app, line: expect.stringMatching(/ 1$/) });
      for (const [label, value] of Object.entries(build)) expect({ app, line }).toEqual({ app, line: expect.stringContaining(`${label}="${value}"`) });
      const report = (await (await fetch(health)).json()) as { build?: unknown };
      expect({ app, build: report.build }).toEqual({ app, build });
    }
  });
});
