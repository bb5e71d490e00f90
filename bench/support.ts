/** What every benchmark shares: command-line numbers, medians, percentiles, rounding, the broker and registry, and an ingest API process. */
import { randomBytes } from 'crypto';
import { resolve } from 'path';
import { signToken } from '@platform/auth';
import { env, loadEnv } from '@platform/config';
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

/** The ingest API as its own process on `port`, with throttling out of the way; resolves once it is ready. */
export async function startBenchApi(pipelinePath: string, port: number, dir: string, env: Record<string, string> = {}): Promise<BenchApi> {
  const secret = randomBytes(24).toString('hex');
  const api = new AppProcess(
    'ingest-api',
    { KAFKA_BROKERS: brokers, SCHEMA_REGISTRY_URL: registryUrl, PIPELINE_CONFIG: pipelinePath, PORT: String(port), HOST: '127.0.0.1', JWT_SECRET: secret, THROTTLE_LIMIT: '100000000', LOG_LEVEL: 'warn', ...env },
    dir,
    `http://127.0.0.1:${port}/api/v1/health/ready`,
  );
  try {
    await api.start();
  } catch (error) {
    // A process that never became ready must not keep the port for the next attempt.
    await api.kill9();
    api.close();
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pid: api.pid,
    token: (subject) => signToken(secret, { subject, scopes: ['events:*'], expiresInSeconds: 3600 }),
    stop: async () => {
      await api.stop();
      api.close();
    },
  };
}
