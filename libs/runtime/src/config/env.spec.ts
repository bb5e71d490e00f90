import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { commonEnv } from './common';
import { ConfigError, env, Field, FieldProblem, loadEnv, parseDuration } from './env';

describe('loadEnv', () => {
  const spec = {
    port: env.int('PORT', { default: 3000, min: 1, max: 65535 }),
    brokers: env.list('KAFKA_BROKERS', { default: ['127.0.0.1:9092'] }),
    secret: env.string('JWT_SECRET', { description: 'the HS256 signing secret' }),
    mode: env.oneOf('WAREHOUSE', ['duckdb', 'postgres'] as const, { default: 'duckdb' }),
    flush: env.duration('FLUSH', { default: '5s' }),
    debug: env.bool('DEBUG', { default: false }),
  };

  it('applies defaults and parses typed values', () => {
    const config = loadEnv(spec, { JWT_SECRET: 's', KAFKA_BROKERS: 'a:1, b:2', FLUSH: '250ms', DEBUG: 'yes' });
    expect(config).toEqual({ port: 3000, brokers: ['a:1', 'b:2'], secret: 's', mode: 'duckdb', flush: 250, debug: true });
  });

  it('reports every problem at once, each naming the variable to set', () => {
    let caught: unknown;
    try {
      loadEnv(spec, { PORT: 'abc', WAREHOUSE: 'oracle', FLUSH: 'soon', DEBUG: 'maybe' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems.join('\n');
    expect(problems).toMatch(/PORT must be an integer/);
    expect(problems).toMatch(/JWT_SECRET is required \(the HS256 signing secret\)/);
    expect(problems).toMatch(/WAREHOUSE must be one of duckdb, postgres/);
    expect(problems).toMatch(/FLUSH must be a duration/);
    expect(problems).toMatch(/DEBUG must be true or false/);
    expect((caught as ConfigError).problems).toHaveLength(5);
  });

  it('rejects integers outside their range', () => {
    expect(() => loadEnv({ port: env.int('PORT', { min: 1, max: 65535 }) }, { PORT: '70000' })).toThrow(/PORT must be <= 65535/);
  });

  it('reads a subset of choices, in the order of the choices, and names the variable for anything else', () => {
    const stages = (raw?: string) => loadEnv({ s: env.subset('STAGES', ['a', 'b'] as const, { default: ['a', 'b'] }) }, { STAGES: raw }).s;
    expect(stages()).toEqual(['a', 'b']);
    expect(stages('b')).toEqual(['b']);
    expect(stages('b, a,b')).toEqual(['a', 'b']);
    expect(() => stages('a,c')).toThrow(/STAGES must list some of a, b, got "c"/);
    expect(() => stages(',')).toThrow(/STAGES must list at least one of a, b/);
  });

  it('parses durations in every unit', () => {
    expect([parseDuration('15'), parseDuration('2s'), parseDuration('1.5m'), parseDuration('2h'), parseDuration('7d')]).toEqual([
      15, 2000, 90000, 7200000, 604800000,
    ]);
    expect(() => parseDuration('5 weeks')).toThrow();
  });
});

describe('secrets and registry credentials', () => {
  const dir = mkdtempSync(join(tmpdir(), 'env-secret-'));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const credentials = (source: Record<string, string>) => loadEnv({ c: env.registryCredentials() }, source).c;

  it('reads a secret from VAR or from the file VAR_FILE names (trailing newline dropped), never both', () => {
    const spec = { s: env.optionalSecret('TOKEN') };
    expect(loadEnv(spec, {}).s).toBeUndefined();
    expect(loadEnv(spec, { TOKEN: 'direct' }).s).toBe('direct');
    expect(loadEnv(spec, { TOKEN_FILE: file('token', 'from-file\n') }).s).toBe('from-file');
    expect(() => loadEnv(spec, { TOKEN: 'a', TOKEN_FILE: file('t2', 'b') })).toThrow(/set only one of TOKEN and TOKEN_FILE/);
    expect(() => loadEnv(spec, { TOKEN_FILE: `${dir}/missing` })).toThrow(/TOKEN_FILE names a file that cannot be read \(ENOENT\)/);
  });

  it('builds registry credentials from Confluent user info or a bearer token, without echoing them', () => {
    expect(credentials({ SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: 'svc:pa:ss' })).toEqual({
      kind: 'basic',
      username: 'svc',
      password: 'pa:ss',
    });
    expect(credentials({ SCHEMA_REGISTRY_BEARER_TOKEN_FILE: file('bearer', 'tok\n') })).toEqual({ kind: 'bearer', token: 'tok' });
    expect(credentials({})).toBeUndefined();
    expect(() => credentials({ SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: 'nocolonsecret' })).toThrow(/must be user:password/);
    expect(() => credentials({ SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: 'nocolonsecret' })).not.toThrow(/nocolonsecret/);
    expect(() => credentials({ SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: 'a:b', SCHEMA_REGISTRY_BEARER_TOKEN: 't' })).toThrow(/set only one/);
  });

  const secret = (source: Record<string, string>) => loadEnv({ s: env.optionalSecret('TOKEN') }, source).s;

  it('drops every trailing newline (CRLF too), keeps inner ones, and refuses an empty file', () => {
    expect(secret({ TOKEN_FILE: file('crlf', 'value\r\n\n') })).toBe('value');
    expect(secret({ TOKEN_FILE: file('multi', 'a\nb\n') })).toBe('a\nb');
    expect(() => secret({ TOKEN_FILE: file('empty', '\n') })).toThrow(/TOKEN_FILE names an empty file: .*empty/);
  });

  it('an empty VAR or VAR_FILE counts as unset', () => {
    expect(secret({ TOKEN: '', TOKEN_FILE: file('only', 'f') })).toBe('f');
    expect(secret({ TOKEN: 'd', TOKEN_FILE: '' })).toBe('d');
    expect(secret({ TOKEN: '' })).toBeUndefined();
  });

  it('registry user info must have a user before its colon; a bearer token alone is used as is', () => {
    expect(() => credentials({ SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: ':secret' })).toThrow('SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO must be user:password (the value is not shown)');
    expect(credentials({ SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: 'u:' })).toEqual({ kind: 'basic', username: 'u', password: '' });
    expect(credentials({ SCHEMA_REGISTRY_BEARER_TOKEN: 'tok' })).toEqual({ kind: 'bearer', token: 'tok' });
    expect(() => credentials({ SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: 'a:b', SCHEMA_REGISTRY_BEARER_TOKEN: 't' })).toThrow(
      'set only one of SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO and SCHEMA_REGISTRY_BEARER_TOKEN',
    );
  });
});

describe('commonEnv', () => {
  it('listens on loopback unless HOST says otherwise (containers set 0.0.0.0)', () => {
    expect(loadEnv(commonEnv, {}).host).toBe('127.0.0.1');
    expect(loadEnv(commonEnv, { HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });
});

describe('field parsers, one variable at a time', () => {
  const one = <T>(f: Field<T>, raw?: string): T => loadEnv({ v: f }, raw === undefined ? {} : { [f.variable]: raw }).v as T;
  const problem = (f: Field<unknown>, raw?: string): string[] => {
    try {
      loadEnv({ v: f }, raw === undefined ? {} : { [f.variable]: raw });
    } catch (error) {
      return (error as ConfigError).problems;
    }
    return [];
  };

  it('string: an empty value takes the default; without one it is required, described as a string unless said', () => {
    expect(one(env.string('NAME', { default: 'd' }), '')).toBe('d');
    expect(one(env.string('NAME', { default: 'd' }), 'x')).toBe('x');
    expect(problem(env.string('NAME'), '')).toEqual(['NAME is required (a string)']);
    expect(problem(env.string('NAME'))).toEqual(['NAME is required (a string)']);
  });

  it('optionalString: empty or absent is undefined', () => {
    expect(one(env.optionalString('NAME'), '')).toBeUndefined();
    expect(one(env.optionalString('NAME'))).toBeUndefined();
    expect(one(env.optionalString('NAME'), 'x')).toBe('x');
  });

  it('int: default when empty, required without one, bounds inclusive, fractions refused', () => {
    expect(one(env.int('N', { default: 7 }), '')).toBe(7);
    expect(one(env.int('N', { default: 7 }))).toBe(7);
    expect(problem(env.int('N'), '')).toEqual(['N is required (an integer)']);
    expect(problem(env.int('N'))).toEqual(['N is required (an integer)']);
    expect(problem(env.int('N'), '1.5')).toEqual(['N must be an integer, got "1.5"']);
    expect(one(env.int('N', { min: 2, max: 4 }), '2')).toBe(2);
    expect(one(env.int('N', { min: 2, max: 4 }), '4')).toBe(4);
    expect(problem(env.int('N', { min: 2, max: 4 }), '1')).toEqual(['N must be >= 2, got 1']);
    expect(problem(env.int('N', { min: 2, max: 4 }), '5')).toEqual(['N must be <= 4, got 5']);
    expect(one(env.int('N', { min: 0 }), '-0')).toBe(-0);
    expect(one(env.int('N'), '-12')).toBe(-12);
  });

  it('optionalInt: empty or absent is undefined, a value is checked as an int', () => {
    expect(one(env.optionalInt('N', { min: 1 }), '')).toBeUndefined();
    expect(one(env.optionalInt('N', { min: 1 }))).toBeUndefined();
    expect(one(env.optionalInt('N', { min: 1 }), '3')).toBe(3);
    expect(problem(env.optionalInt('N', { min: 1 }), '0')).toEqual(['N must be >= 1, got 0']);
    expect(problem(env.optionalInt('N', { max: 9 }), '10')).toEqual(['N must be <= 9, got 10']);
  });

  it('bool: every accepted spelling in any case, the default when empty, required without one', () => {
    for (const yes of ['1', 'true', 'yes', 'on', 'TRUE', 'On']) expect(one(env.bool('B'), yes)).toBe(true);
    for (const no of ['0', 'false', 'no', 'off', 'FALSE', 'Off']) expect(one(env.bool('B'), no)).toBe(false);
    expect(one(env.bool('B', { default: true }), '')).toBe(true);
    expect(one(env.bool('B', { default: false }))).toBe(false);
    expect(problem(env.bool('B'), '')).toEqual(['B is required (true or false)']);
    expect(problem(env.bool('B'), 'y')).toEqual(['B must be true or false, got "y"']);
  });

  it('list: comma-separated, trimmed, empty items dropped; the default when empty; required without one', () => {
    expect(one(env.list('L'), ' a , ,b,')).toEqual(['a', 'b']);
    expect(one(env.list('L', { default: ['d'] }), '')).toEqual(['d']);
    expect(problem(env.list('L'), '')).toEqual(['L is required (a comma-separated list)']);
    expect(problem(env.subset('S', ['a', 'b'] as const))).toEqual(['S is required (a comma-separated list)']);
  });

  it('url: trailing slashes dropped, the default when empty, invalid ones named', () => {
    expect(one(env.url('U'), 'http://h:1/api//')).toBe('http://h:1/api');
    expect(one(env.url('U', { default: 'http://d/' }), '')).toBe('http://d');
    expect(problem(env.url('U'), '')).toEqual(['U is required (a URL)']);
    expect(problem(env.url('U'), 'not a url')).toEqual(['U must be a URL, got "not a url"']);
    expect(one(env.optionalUrl('U'), '')).toBeUndefined();
    expect(one(env.optionalUrl('U'))).toBeUndefined();
    expect(one(env.optionalUrl('U'), 'https://x/y/')).toBe('https://x/y');
    expect(problem(env.optionalUrl('U'), 'nope')).toEqual(['U must be a URL, got "nope"']);
  });

  it('oneOf: the default when empty, required naming the choices, anything else refused', () => {
    expect(one(env.oneOf('O', ['a', 'b'] as const, { default: 'b' }), '')).toBe('b');
    expect(one(env.oneOf('O', ['a', 'b'] as const), 'a')).toBe('a');
    expect(problem(env.oneOf('O', ['a', 'b'] as const), '')).toEqual(['O is required (one of a, b)']);
    expect(problem(env.oneOf('O', ['a', 'b'] as const), 'c')).toEqual(['O must be one of a, b, got "c"']);
  });

  it('duration: the default when empty, required without one, a bad one named', () => {
    expect(one(env.duration('D', { default: '2s' }), '')).toBe(2000);
    expect(one(env.duration('D'), '3m')).toBe(180000);
    expect(problem(env.duration('D'), '')).toEqual(['D is required (a duration like 5s)']);
    expect(problem(env.duration('D'), '5 weeks')).toEqual(['D must be a duration like 500ms, 5s, 1m, got "5 weeks"']);
  });

  it('parseDuration: numbers pass as milliseconds, spaces are allowed, fractions are rounded, negatives and non-finite numbers refused', () => {
    expect(parseDuration(250)).toBe(250);
    expect(parseDuration(0)).toBe(0);
    expect(parseDuration(' 5 s ')).toBe(5000);
    expect(parseDuration('1.5')).toBe(2);
    expect(parseDuration('0.4ms')).toBe(0);
    expect(parseDuration('250ms')).toBe(250);
    expect(() => parseDuration(-5)).toThrow('not a duration: "-5"');
    expect(() => parseDuration(Number.POSITIVE_INFINITY)).toThrow('not a duration');
    expect(() => parseDuration(Number.NaN)).toThrow('not a duration');
    expect(() => parseDuration('5s later')).toThrow();
    expect(() => parseDuration('early 5s')).toThrow();
    expect(() => parseDuration('1.s')).toThrow();
  });
});

describe('loadEnv errors', () => {
  it('lists the problems one per line after a heading, and passes other errors through unchanged', () => {
    const spec = { a: env.string('A'), b: env.int('B') };
    expect(() => loadEnv(spec, {})).toThrow('Invalid configuration:\n  - A is required (a string)\n  - B is required (an integer)');
    const broken = { x: { variable: 'X', parse: () => { throw new TypeError('bug'); } } };
    expect(() => loadEnv(broken, {})).toThrow(TypeError);
  });

  it('reads process.env by default', () => {
    process.env.ENV_SPEC_PROBE = 'from-process';
    try {
      expect(loadEnv({ p: env.string('ENV_SPEC_PROBE') }).p).toBe('from-process');
    } finally {
      delete process.env.ENV_SPEC_PROBE;
    }
  });

  it('a field with several problems reports each of them', () => {
    const problems = (() => {
      try {
        loadEnv({ k: { variable: 'K', parse: () => { throw new FieldProblem(['one', 'two']); } } }, {});
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    })();
    expect(problems).toEqual(['one', 'two']);
    expect(new FieldProblem(['one', 'two']).message).toBe('one; two');
    expect(new FieldProblem('single').message).toBe('single');
  });
});

describe('commonEnv defaults', () => {
  it('connects to a local broker and registry, reads config/pipeline.yaml and logs at info unless told otherwise', () => {
    expect(loadEnv(commonEnv, {})).toEqual({
      kafkaBrokers: ['127.0.0.1:9092'],
      kafkaClientId: 'event-platform',
      kafkaSecurity: { protocol: 'PLAINTEXT' },
      kafkaCompression: 'none',
      kafkaReplicationFactor: undefined,
      kafkaMinInsyncReplicas: undefined,
      schemaRegistryUrl: 'http://127.0.0.1:8081',
      schemaRegistryCredentials: undefined,
      pipelineConfigPath: 'config/pipeline.yaml',
      startRetryTimeoutMs: 120_000,
      logLevel: 'info',
      dataDir: '.data',
      host: '127.0.0.1',
      eventTimeMaxFutureSkewMs: 300_000,
    });
  });

  it('reads each setting from its variable', () => {
    const config = loadEnv(commonEnv, {
      KAFKA_BROKERS: 'k1:9092,k2:9092',
      KAFKA_CLIENT_ID: 'ingest',
      SCHEMA_REGISTRY_URL: 'http://registry:8081/',
      PIPELINE_CONFIG: '/etc/pipeline.yaml',
      START_RETRY_TIMEOUT: '30s',
      LOG_LEVEL: 'debug',
      DATA_DIR: '/var/data',
      EVENT_TIME_MAX_FUTURE_SKEW: '1m',
    });
    expect(config).toMatchObject({
      kafkaBrokers: ['k1:9092', 'k2:9092'],
      kafkaClientId: 'ingest',
      schemaRegistryUrl: 'http://registry:8081',
      pipelineConfigPath: '/etc/pipeline.yaml',
      startRetryTimeoutMs: 30_000,
      logLevel: 'debug',
      dataDir: '/var/data',
      eventTimeMaxFutureSkewMs: 60_000,
    });
    for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']) expect(loadEnv(commonEnv, { LOG_LEVEL: level }).logLevel).toBe(level);
    expect(() => loadEnv(commonEnv, { LOG_LEVEL: 'verbose' })).toThrow(/LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent/);
  });
});
