/** Settings of the aggregate serving layer (online lookups and live aggregate streams), from the environment. */
import { env, loadEnv } from '@platform/runtime';

export const servingEnv = {
  enabled: env.bool('SERVING_ENABLED', { default: true }),
  store: env.oneOf('SERVING_STORE', ['auto', 'memory', 'redis'] as const, { default: 'auto' }),
  snapshotIntervalMs: env.duration('SERVING_SNAPSHOT_INTERVAL', { default: '10s' }),
  retentionMs: env.duration('SERVING_RETENTION', { default: '24h' }),
  maxWindows: env.int('SERVING_MAX_WINDOWS', { default: 1500, min: 1 }),
  keyTtlMs: env.duration('SERVING_KEY_TTL', { default: '7d' }),
  maxLimit: env.int('SERVING_MAX_LIMIT', { default: 500, min: 1 }),
};

export interface ServingConfig {
  enabled: boolean;
  /** auto: Redis when REDIS_URL is set, the embedded store otherwise. */
  store: 'auto' | 'memory' | 'redis';
  /** How often the embedded store writes its snapshot (DATA_DIR/serving/). */
  snapshotIntervalMs: number;
  /** Event time kept behind the newest window end of each (key, window name). */
  retentionMs: number;
  /** Most windows kept per (key, window name). */
  maxWindows: number;
  /** Redis: a key not updated for this long expires. */
  keyTtlMs: number;
  /** Upper bound of `limit` on the recent-windows lookup. */
  maxLimit: number;
}

export function loadServingConfig(source: Record<string, string | undefined> = process.env): ServingConfig {
  return loadEnv(servingEnv, source);
}
