/** What every benchmark shares: command-line numbers, medians, percentiles, rounding, the broker and registry, and an ingest API process. */
import { spawn } from 'child_process';
import { randomBytes } from 'crypto';
import { readFileSync } from 'fs';
import { resolve } from 'path';
import { signToken } from '@platform/auth';
import { env, loadEnv } from '@platform/runtime';
import { AppProcess } from '../test/support/processes';

export const root = resolve(__dirname, '..');

/** `--name N` from the command line, or `fallback`. */
export function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function round(x: number, digits = 1): number {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}

export const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
export const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081';
/** SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO / SCHEMA_REGISTRY_BEARER_TOKEN (bench/run-all.sh exports registry.sh's). */
export const registryCredentials = loadEnv({ credentials: env.registryCredentials() }).credentials;
/** The registry credential variables of this process, for the apps a benchmark starts in-process. */
export const registryCredentialEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => /^SCHEMA_REGISTRY_(BASIC_AUTH_USER_INFO|BEARER_TOKEN)(_FILE)?$/.test(name)),
);

export interface BenchApi {
  url: string;
  /** A bearer token for `events:*`, valid for an hour. */
  token(subject: string): string;
  stop(): Promise<void>;
  /** The API's process id. */
  pid: number | undefined;
}

/** The ingest API as its own process on `port` (from `sources`, another checkout, when given), with throttling out of the way; resolves once it is ready. */
export async function startBenchApi(
  pipelinePath: string,
  port: number,
  dir: string,
  env: Record<string, string> = {},
  sources?: string,
): Promise<BenchApi> {
  const secret = randomBytes(24).toString('hex');
  const api = new AppProcess(
    'ingest-api',
    {
      KAFKA_BROKERS: brokers,
      SCHEMA_REGISTRY_URL: registryUrl,
      PIPELINE_CONFIG: pipelinePath,
      PORT: String(port),
      HOST: '127.0.0.1',
      JWT_SECRET: secret,
      THROTTLE_LIMIT: '100000000',
      LOG_LEVEL: 'warn',
      ...env,
    },
    dir,
    `http://127.0.0.1:${port}/api/v1/health/ready`,
    { sources },
  );
  try {
    await api.start();
  } catch (error) {
    // A process that never became ready must not keep the port for the next attempt.
    await api.kill9();
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pid: api.pid,
    token: (subject) => signToken(secret, { subject, scopes: ['events:*'], expiresInSeconds: 3600 }),
    stop: async () => {
      await api.stop();
    },
  };
}

/**
 * The lean reference server (bench/lean-ingest.ts) as its own process on `port`, serving `type` with
 * the schema registered under `schemaId`; resolves once it answers.
 */
export async function startLeanServer(
  type: { name: string; topic: string; partitionKey: string; partitions: number; schemaPath: string },
  schemaId: number,
  port: number,
  env: Record<string, string> = {},
): Promise<BenchApi> {
  const secret = randomBytes(24).toString('hex');
  const child = spawn(process.execPath, ['-r', resolve(root, 'scripts/register.js'), resolve(root, 'bench/lean-ingest.ts')], {
    cwd: root,
    env: {
      ...process.env,
      KAFKA_BROKERS: brokers,
      LOG_LEVEL: 'warn',
      JWT_SECRET: secret,
      LEAN_PORT: String(port),
      LEAN_TOPIC: type.topic,
      LEAN_EVENT_TYPE: type.name,
      LEAN_PARTITION_KEY: type.partitionKey,
      LEAN_PARTITIONS: String(type.partitions),
      LEAN_SCHEMA_ID: String(schemaId),
      LEAN_SCHEMA: readFileSync(type.schemaPath, 'utf8'),
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the lean server exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('the lean server did not start within 60 s');
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  return {
    url,
    pid: child.pid,
    token: (subject) => signToken(secret, { subject, scopes: ['events:*'], expiresInSeconds: 3600 }),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
