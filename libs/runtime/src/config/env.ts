/**
 * Typed, validated configuration from the environment. Every app declares what it reads with these
 * field builders and calls `loadEnv` once at startup; all problems are reported together, each naming
 * the variable to set, so a misconfigured process stops before it touches Kafka or a database.
 */
import { readFileSync } from 'fs';

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Source = Record<string, string | undefined>;

export interface Field<T> {
  readonly variable: string;
  /** `source` is the whole environment, for fields that read more than their own variable. */
  parse(raw: string | undefined, source: Source): T;
}

export class FieldProblem extends Error {
  /** One or more problems, each naming the variable to set. */
  constructor(public readonly problems: string | string[]) {
    super(Array.isArray(problems) ? problems.join('; ') : problems);
  }
}

function field<T>(variable: string, parse: (raw: string | undefined, source: Source) => T): Field<T> {
  return { variable, parse };
}

/**
 * A secret's value from `VAR`, or from the file named by `VAR_FILE` (trailing newlines dropped), as
 * container secrets are mounted. Both set is a mistake; an unreadable file names the variable, never
 * the content.
 */
function readSecret(variable: string, source: Source): string | undefined {
  const direct = source[variable];
  const file = source[`${variable}_FILE`];
  if (direct !== undefined && direct !== '' && file !== undefined && file !== '') {
    throw new FieldProblem(`set only one of ${variable} and ${variable}_FILE`);
  }
  if (file === undefined || file === '') return direct === '' ? undefined : direct;
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    throw new FieldProblem(
      `${variable}_FILE names a file that cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): ${file}`,
    );
  }
  const value = content.replace(/[\r\n]+$/, '');
  if (value === '') throw new FieldProblem(`${variable}_FILE names an empty file: ${file}`);
  return value;
}

/** How a client authenticates to the schema registry (Confluent's client conventions). */
export type RegistryCredentials = { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; token: string };

function required(variable: string, raw: string | undefined, description: string): string {
  if (raw === undefined || raw === '') throw new FieldProblem(`${variable} is required (${description})`);
  return raw;
}

export const env = {
  string(variable: string, options: { default?: string; description?: string } = {}): Field<string> {
    return field(variable, (raw) =>
      raw === undefined || raw === '' ? (options.default ?? required(variable, raw, options.description ?? 'a string')) : raw,
    );
  },
  optionalString(variable: string): Field<string | undefined> {
    return field(variable, (raw) => (raw === undefined || raw === '' ? undefined : raw));
  },
  int(variable: string, options: { default?: number; min?: number; max?: number } = {}): Field<number> {
    return field(variable, (raw) => {
      if (raw === undefined || raw === '') {
        if (options.default !== undefined) return options.default;
        required(variable, raw, 'an integer');
      }
      const value = Number(raw);
      if (!Number.isInteger(value)) throw new FieldProblem(`${variable} must be an integer, got "${raw}"`);
      if (options.min !== undefined && value < options.min) throw new FieldProblem(`${variable} must be >= ${options.min}, got ${value}`);
      if (options.max !== undefined && value > options.max) throw new FieldProblem(`${variable} must be <= ${options.max}, got ${value}`);
      return value;
    });
  },
  optionalInt(variable: string, options: { min?: number; max?: number } = {}): Field<number | undefined> {
    const parse = env.int(variable, options).parse;
    return field(variable, (raw, source) => (raw === undefined || raw === '' ? undefined : parse(raw, source)));
  },
  bool(variable: string, options: { default?: boolean } = {}): Field<boolean> {
    return field(variable, (raw) => {
      if (raw === undefined || raw === '') {
        if (options.default !== undefined) return options.default;
        required(variable, raw, 'true or false');
      }
      const normalized = String(raw).toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(normalized)) return true;
      if (['0', 'false', 'no', 'off'].includes(normalized)) return false;
      throw new FieldProblem(`${variable} must be true or false, got "${raw}"`);
    });
  },
  list(variable: string, options: { default?: string[] } = {}): Field<string[]> {
    return field(variable, (raw) => {
      if (raw === undefined || raw === '') {
        if (options.default !== undefined) return options.default;
        required(variable, raw, 'a comma-separated list');
      }
      return String(raw)
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
    });
  },
  /** A non-empty comma-separated subset of `choices`, each at most once, in the order of `choices`. */
  subset<T extends string>(variable: string, choices: readonly T[], options: { default?: readonly T[] } = {}): Field<T[]> {
    const parse = env.list(variable, { default: options.default ? [...options.default] : undefined }).parse;
    return field(variable, (raw, source) => {
      const items = parse(raw, source);
      const unknown = items.filter((item) => !choices.includes(item as T));
      if (unknown.length > 0) throw new FieldProblem(`${variable} must list some of ${choices.join(', ')}, got "${unknown.join(',')}"`);
      if (items.length === 0) throw new FieldProblem(`${variable} must list at least one of ${choices.join(', ')}`);
      return choices.filter((choice) => items.includes(choice));
    });
  },
  url(variable: string, options: { default?: string } = {}): Field<string> {
    return field(variable, (raw) => {
      const value = raw === undefined || raw === '' ? (options.default ?? required(variable, raw, 'a URL')) : raw;
      try {
        new URL(value);
      } catch {
        throw new FieldProblem(`${variable} must be a URL, got "${value}"`);
      }
      return value.replace(/\/+$/, '');
    });
  },
  optionalUrl(variable: string): Field<string | undefined> {
    return field(variable, (raw) => {
      if (raw === undefined || raw === '') return undefined;
      try {
        new URL(raw);
      } catch {
        throw new FieldProblem(`${variable} must be a URL, got "${raw}"`);
      }
      return raw.replace(/\/+$/, '');
    });
  },
  oneOf<T extends string>(variable: string, choices: readonly T[], options: { default?: T } = {}): Field<T> {
    return field(variable, (raw) => {
      const value = raw === undefined || raw === '' ? (options.default ?? required(variable, raw, `one of ${choices.join(', ')}`)) : raw;
      if (!choices.includes(value as T)) throw new FieldProblem(`${variable} must be one of ${choices.join(', ')}, got "${value}"`);
      return value as T;
    });
  },
  /** A secret from `VAR` or the file named by `VAR_FILE`; undefined when neither is set. */
  optionalSecret(variable: string): Field<string | undefined> {
    return field(variable, (_raw, source) => readSecret(variable, source));
  },
  /**
   * Schema registry client credentials: `SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO` (user:password) or
   * `SCHEMA_REGISTRY_BEARER_TOKEN`, each also from a `..._FILE`; undefined when none is set.
   */
  registryCredentials(): Field<RegistryCredentials | undefined> {
    const userInfoVar = 'SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO';
    const tokenVar = 'SCHEMA_REGISTRY_BEARER_TOKEN';
    return field(userInfoVar, (_raw, source) => {
      const userInfo = readSecret(userInfoVar, source);
      const token = readSecret(tokenVar, source);
      if (userInfo !== undefined && token !== undefined) throw new FieldProblem(`set only one of ${userInfoVar} and ${tokenVar}`);
      if (token !== undefined) return { kind: 'bearer', token };
      if (userInfo === undefined) return undefined;
      const colon = userInfo.indexOf(':');
      if (colon <= 0) throw new FieldProblem(`${userInfoVar} must be user:password (the value is not shown)`);
      return { kind: 'basic', username: userInfo.slice(0, colon), password: userInfo.slice(colon + 1) };
    });
  },
  /** A duration such as 500ms, 5s, 1m, 2h, 7d (a bare number means milliseconds). */
  duration(variable: string, options: { default?: string } = {}): Field<number> {
    return field(variable, (raw) => {
      const value = raw === undefined || raw === '' ? (options.default ?? required(variable, raw, 'a duration like 5s')) : raw;
      try {
        return parseDuration(value);
      } catch {
        throw new FieldProblem(`${variable} must be a duration like 500ms, 5s, 1m, got "${value}"`);
      }
    });
  },
};

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string | number): number {
  if (typeof text === 'number' && Number.isFinite(text) && text >= 0) return text;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(String(text));
  if (!match) throw new Error(`not a duration: "${text}"`);
  return Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 'ms']);
}

export type ConfigSpec = Record<string, Field<unknown>>;
export type ConfigOf<S extends ConfigSpec> = { [K in keyof S]: S[K] extends Field<infer T> ? T : never };

/** Reads every field of `spec` from `source`; throws one ConfigError listing every problem. */
export function loadEnv<S extends ConfigSpec>(spec: S, source: Source = process.env): ConfigOf<S> {
  const problems: string[] = [];
  const result: Record<string, unknown> = {};
  for (const [key, fieldSpec] of Object.entries(spec)) {
    try {
      result[key] = fieldSpec.parse(source[fieldSpec.variable], source);
    } catch (error) {
      if (error instanceof FieldProblem) problems.push(...(Array.isArray(error.problems) ? error.problems : [error.problems]));
      else throw error;
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return result as ConfigOf<S>;
}
