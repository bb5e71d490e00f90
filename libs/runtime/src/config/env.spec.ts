import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { commonEnv } from './common';
import { ConfigError, env, loadEnv, parseDuration } from './env';

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
});

describe('commonEnv', () => {
  it('listens on loopback unless HOST says otherwise (containers set 0.0.0.0)', () => {
    expect(loadEnv(commonEnv, {}).host).toBe('127.0.0.1');
    expect(loadEnv(commonEnv, { HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });
});
