/**
 * Which build answers: its version, the commit it was built from and the Node.js version running it.
 * Every app exports it as the `build_info` gauge (value 1, the facts as labels) on /metrics and in its
 * health response.
 *
 * The commit, first found of: `BUILD_COMMIT` (the image sets it from its build argument), the
 * `build-info.json` that `npm run build` writes at the root of `dist/`, `git rev-parse HEAD` in the
 * checkout the sources run from, else "unknown". The version: `BUILD_VERSION`, `build-info.json`,
 * then the `package.json` the code belongs to.
 */
import { execFileSync } from 'child_process';
import { existsSync, readFileSync } from 'fs';
import { dirname, join, resolve } from 'path';
import { env, loadEnv } from '../config';

export interface BuildInfo {
  version: string;
  commit: string;
  node_version: string;
}

/** The file `npm run build` writes at the root of the compiled output. */
export const BUILD_INFO_FILE = 'build-info.json';

const buildEnv = {
  version: env.optionalString('BUILD_VERSION'),
  commit: env.optionalString('BUILD_COMMIT'),
};

type Source = Record<string, string | undefined>;

/**
 * Reads the build facts. `moduleDir` is this module's directory: `libs/runtime/src/observability` in the
 * sources, `dist/libs/runtime/src/observability` in the compiled output, so four levels up is the root of
 * either (where the compiled output keeps build-info.json).
 */
export function readBuildInfo(source: Source = process.env, moduleDir: string = __dirname): BuildInfo {
  const fromEnv = loadEnv(buildEnv, source);
  const written = readJson(join(resolve(moduleDir, '../../../..'), BUILD_INFO_FILE));
  const packageDir = findPackageDir(moduleDir);
  const version =
    fromEnv.version ??
    stringOf(written?.version) ??
    (packageDir ? stringOf(readJson(join(packageDir, 'package.json'))?.version) : undefined);
  const commit = fromEnv.commit ?? stringOf(written?.commit) ?? (packageDir ? gitCommit(packageDir) : undefined);
  return { version: version ?? 'unknown', commit: commit ?? 'unknown', node_version: process.version };
}

let current: BuildInfo | undefined;

/** This process's build facts, read once. */
export function buildInfo(): BuildInfo {
  current ??= readBuildInfo();
  return current;
}

/** The commit of the git checkout at `dir`, or undefined when it is none (or git is not installed). */
export function gitCommit(dir: string): string | undefined {
  try {
    const out = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    const sha = out.toString().trim();
    return /^[0-9a-f]{7,64}$/.test(sha) ? sha : undefined;
  } catch {
    return undefined;
  }
}

function findPackageDir(start: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
