/**
 * package-lock.json is complete for every machine the platform is developed and deployed on: every
 * optional dependency of a locked package is itself locked (npm records the platform packages of
 * native modules for all operating systems and CPUs, so `npm ci` installs the right one anywhere and
 * `npm install` has nothing to add), and each native family has Linux x64/arm64 (glibc and musl where
 * the family ships both) and macOS x64/arm64. .ci/run installs with `npm ci`, which fails on a lock
 * out of sync with package.json; this test names what is missing.
 */
import { readFileSync } from 'fs';
import { join, resolve } from 'path';

const ROOT = resolve(__dirname, '../..');

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { lockfileVersion: number; packages: Record<string, LockEntry> };
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/** Where node would find `name` from the package at `from` (its own node_modules, then each parent's). */
function resolveFrom(from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!base) return undefined;
    const parent = base.lastIndexOf('/node_modules/');
    base = parent < 0 ? '' : base.slice(0, parent);
  }
}

describe('package-lock.json', () => {
  it('is a lockfile v3 whose root records the dependencies of package.json', () => {
    expect(lock.lockfileVersion).toBe(3);
    const root = lock.packages[''] as LockEntry & { devDependencies?: Record<string, string> };
    expect(root.dependencies).toEqual(packageJson.dependencies);
    expect(root.devDependencies).toEqual(packageJson.devDependencies);
  });

  it('locks every dependency and optional dependency of every locked package', () => {
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      for (const name of [...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.optionalDependencies ?? {})]) {
        if (!resolveFrom(path, name)) missing.push(`${path || '(root)'} -> ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('each native package family has Linux x64/arm64 (glibc and musl where shipped) and macOS x64/arm64', () => {
    // A family: a package whose optional dependencies are platform packages (they declare os/cpu).
    const families = new Map<string, Array<{ os: string; cpu: string; libc?: string }>>();
    for (const [path, entry] of Object.entries(lock.packages)) {
      const platforms = Object.keys(entry.optionalDependencies ?? {})
        .map((name) => lock.packages[resolveFrom(path, name) ?? ''])
        .filter((dep): dep is LockEntry => Boolean(dep?.os && dep?.cpu))
        .flatMap((dep) => dep.os!.flatMap((os) => dep.cpu!.map((cpu) => ({ os, cpu, libc: dep.libc?.[0] }))));
      if (platforms.length > 1) families.set(path.replace(/^.*node_modules\//, ''), platforms);
    }
    expect([...families.keys()]).toEqual(expect.arrayContaining(['@swc/core', '@duckdb/node-bindings']));
    const problems: string[] = [];
    for (const [family, platforms] of families) {
      const has = (os: string, cpu: string, libc?: string) => platforms.some((p) => p.os === os && p.cpu === cpu && (!libc || p.libc === libc));
      const shipsMusl = platforms.some((p) => p.libc === 'musl');
      for (const cpu of ['x64', 'arm64']) {
        if (!has('darwin', cpu)) problems.push(`${family}: no darwin ${cpu}`);
        if (!has('linux', cpu, shipsMusl ? 'glibc' : undefined)) problems.push(`${family}: no linux ${cpu}${shipsMusl ? ' glibc' : ''}`);
        if (shipsMusl && !has('linux', cpu, 'musl')) problems.push(`${family}: no linux ${cpu} musl`);
      }
    }
    expect(problems).toEqual([]);
  });
});
