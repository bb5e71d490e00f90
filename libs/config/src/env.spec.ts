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

  it('parses durations in every unit', () => {
    expect([parseDuration('15'), parseDuration('2s'), parseDuration('1.5m'), parseDuration('2h'), parseDuration('7d')]).toEqual([15, 2000, 90000, 7200000, 604800000]);
    expect(() => parseDuration('5 weeks')).toThrow();
  });
});
