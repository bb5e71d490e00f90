/** Settings of the web console (/console) and its read endpoints, from the environment. */
import { ConfigError, env, loadEnv } from '@platform/runtime';

export const consoleEnv = {
  enabled: env.bool('CONSOLE_ENABLED', { default: true }),
  /** Pipeline stages to probe, `name=ops base URL` each, e.g. `processor=http://127.0.0.1:9101,sink=http://127.0.0.1:9102`. */
  stages: env.list('CONSOLE_STAGES', { default: [] }),
  /** How often offsets, lag and stage health are sampled for the overview's charts (while someone watches). */
  sampleIntervalMs: env.duration('CONSOLE_SAMPLE_INTERVAL', { default: '5s' }),
};

export interface StageTarget {
  name: string;
  url: string;
}

export interface ConsoleConfig {
  enabled: boolean;
  stages: StageTarget[];
  sampleIntervalMs: number;
}

/** `name=url` entries; a malformed one fails startup naming the variable. */
export function parseStages(entries: string[]): StageTarget[] {
  return entries.map((entry) => {
    const at = entry.indexOf('=');
    const name = at > 0 ? entry.slice(0, at).trim() : '';
    const url =
      at > 0
        ? entry
            .slice(at + 1)
            .trim()
            .replace(/\/+$/, '')
        : '';
    if (!/^[a-z][a-z0-9_-]{0,31}$/i.test(name) || !/^https?:\/\/[^\s]+$/.test(url)) {
      throw new ConfigError([`CONSOLE_STAGES entries must be name=http(s)://host:port, got "${entry}"`]);
    }
    return { name, url };
  });
}

export function loadConsoleConfig(source: Record<string, string | undefined> = process.env): ConsoleConfig {
  const raw = loadEnv(consoleEnv, source);
  if (raw.sampleIntervalMs < 1000) throw new ConfigError(['CONSOLE_SAMPLE_INTERVAL must be at least 1s']);
  return { ...raw, stages: parseStages(raw.stages) };
}
