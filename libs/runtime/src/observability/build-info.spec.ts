import { execFileSync } from 'child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { BUILD_INFO_FILE, buildInfo, gitCommit, readBuildInfo } from './build-info';
import { initMetrics, registry } from './metrics';
import { health } from './health';

const ROOT = resolve(__dirname, '../../../..');

describe('build info', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'build-info-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A compiled tree: <dir>/package.json, <dir>/dist/build-info.json, the module in dist/libs/runtime/src/observability. */
  function compiledTree(written?: object): string {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'event-platform', version: '9.8.7' }));
    const moduleDir = join(dir, 'dist/libs/runtime/src/observability');
    mkdirSync(moduleDir, { recursive: true });
    if (written) writeFileSync(join(dir, 'dist', BUILD_INFO_FILE), JSON.stringify(written));
    return moduleDir;
  }

  it('from the sources: the version of package.json and the commit git reports for the checkout', () => {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT }).toString().trim();
    const version = require(join(ROOT, 'package.json')).version;
    expect(readBuildInfo({}, __dirname)).toEqual({ version, commit, node_version: process.version });
  });

  it('compiled: the version and commit that npm run build wrote into dist/build-info.json', () => {
    const moduleDir = compiledTree({ version: '1.2.3', commit: 'abc1234def', built_at: '2026-01-01T00:00:00Z' });
    expect(readBuildInfo({}, moduleDir)).toEqual({ version: '1.2.3', commit: 'abc1234def', node_version: process.version });
  });

  it('BUILD_COMMIT and BUILD_VERSION from the environment win over the file', () => {
    const moduleDir = compiledTree({ version: '1.2.3', commit: 'abc1234def' });
    expect(readBuildInfo({ BUILD_COMMIT: 'f00dcafe', BUILD_VERSION: '2.0.0' }, moduleDir)).toEqual({
      version: '2.0.0',
      commit: 'f00dcafe',
      node_version: process.version,
    });
    // Empty variables (an image built without the build argument) do not hide the file.
    expect(readBuildInfo({ BUILD_COMMIT: '', BUILD_VERSION: '' }, moduleDir).commit).toBe('abc1234def');
  });

  it('without a file, outside a git checkout: package.json version and commit "unknown"', () => {
    const moduleDir = compiledTree();
    expect(readBuildInfo({}, moduleDir)).toEqual({ version: '9.8.7', commit: 'unknown', node_version: process.version });
  });

  it('a malformed build-info.json is ignored, not fatal', () => {
    const moduleDir = compiledTree();
    writeFileSync(join(dir, 'dist', BUILD_INFO_FILE), '{ not json');
    expect(readBuildInfo({}, moduleDir).version).toBe('9.8.7');
  });

  it('the metrics registry exports build_info with the labels, value 1, and health reports carry the build', async () => {
    initMetrics('build-info-spec');
    const line = (await registry.metrics()).split('\n').find((l) => l.startsWith('build_info{'));
    const info = readBuildInfo({ ...process.env }, __dirname);
    expect(line).toContain(`version="${info.version}"`);
    expect(line).toContain(`commit="${info.commit}"`);
    expect(line).toContain(`node_version="${process.version}"`);
    expect(line).toContain('app="build-info-spec"');
    expect(line).toMatch(/ 1$/);
    expect((await health.report()).build).toEqual(info);
  });

  it('empty or non-text facts in the file fall back to package.json; a file that is not an object is ignored', () => {
    const moduleDir = compiledTree({ version: '', commit: 7 });
    expect(readBuildInfo({}, moduleDir)).toEqual({ version: '9.8.7', commit: 'unknown', node_version: process.version });
    writeFileSync(join(dir, 'dist', BUILD_INFO_FILE), 'null');
    expect(readBuildInfo({}, moduleDir).version).toBe('9.8.7');
    writeFileSync(join(dir, 'dist', BUILD_INFO_FILE), '"1.0.0"');
    expect(readBuildInfo({}, moduleDir).version).toBe('9.8.7');
  });

  it('outside any package and checkout: version and commit "unknown"', () => {
    const moduleDir = join(dir, 'a/b/c/d');
    mkdirSync(moduleDir, { recursive: true });
    expect(readBuildInfo({}, moduleDir)).toEqual({ version: 'unknown', commit: 'unknown', node_version: process.version });
    expect(readBuildInfo({ BUILD_VERSION: '3.1.4', BUILD_COMMIT: 'deadbeef' }, moduleDir)).toEqual({ version: '3.1.4', commit: 'deadbeef', node_version: process.version });
  });

  it('gitCommit: the full sha of a checkout, nothing elsewhere', () => {
    expect(gitCommit(ROOT)).toMatch(/^[0-9a-f]{40}$/);
    expect(gitCommit(dir)).toBeUndefined();
    expect(gitCommit(join(dir, 'missing'))).toBeUndefined();
  });

  it('buildInfo() reads once and hands back the same facts', () => {
    expect(buildInfo()).toBe(buildInfo());
    expect(buildInfo().node_version).toBe(process.version);
  });
});
