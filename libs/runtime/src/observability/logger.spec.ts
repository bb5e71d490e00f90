import pino from 'pino';

type LoggerModule = typeof import('./logger');

function load(): LoggerModule {
  let mod!: LoggerModule;
  jest.isolateModules(() => {
    mod = require('./logger');
  });
  return mod;
}

/** The JSON lines a logger writes, captured in place of its stdout stream. */
function capture(log: pino.Logger): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [];
  // The module under test loads its own copy of pino (isolated modules): find its stream symbol by name.
  let symbol: symbol | undefined;
  for (let o: object | null = log; o && !symbol; o = Object.getPrototypeOf(o)) symbol = Object.getOwnPropertySymbols(o).find((s) => s.description === pino.symbols.streamSym.description);
  const stream = (log as unknown as Record<symbol, { write: (line: string) => boolean }>)[symbol!];
  stream.write = (line: string) => lines.push(JSON.parse(line)) > 0;
  return lines;
}

describe('logger', () => {
  const saved = { LOG_LEVEL: process.env.LOG_LEVEL, APP_NAME: process.env.APP_NAME };
  afterEach(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it('writes JSON lines with the level name, an ISO time, the app and pid, and redacts credentials', () => {
    const { createLogger } = load();
    const log = createLogger('ingest-api', 'debug');
    const lines = capture(log);
    log.debug({ req: { headers: { authorization: 'Bearer abc', host: 'h' } }, sasl: { password: 'p', user: 'u' }, auth: { secret: 's', token: 't' } }, 'hello');
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatchObject({
      level: 'debug',
      app: 'ingest-api',
      pid: process.pid,
      msg: 'hello',
      req: { headers: { authorization: '[redacted]', host: 'h' } },
      sasl: { password: '[redacted]', user: 'u' },
      auth: { secret: '[redacted]', token: '[redacted]' },
    });
    expect(new Date(line.time as string).toISOString()).toBe(line.time);
    log.trace('not at debug');
    expect(lines).toHaveLength(1);
  });

  it('takes its level from LOG_LEVEL, else info', () => {
    delete process.env.LOG_LEVEL;
    expect(load().createLogger('a').level).toBe('info');
    process.env.LOG_LEVEL = 'warn';
    expect(load().createLogger('a').level).toBe('warn');
  });

  it('logger() is the logger last created, or one named after APP_NAME (else "platform") created on first use', () => {
    const first = load();
    const created = first.createLogger('sink', 'info');
    expect(first.logger()).toBe(created);

    process.env.APP_NAME = 'processor';
    delete process.env.LOG_LEVEL; // the implicit logger's level is LOG_LEVEL's, info when unset
    const second = load();
    const implicit = second.logger();
    const lines = capture(implicit);
    implicit.info('up');
    expect(lines).toEqual([expect.objectContaining({ app: 'processor', pid: process.pid, msg: 'up' })]);
    expect(second.logger()).toBe(implicit);

    delete process.env.APP_NAME;
    expect(load().logger().bindings().app).toBe('platform');
  });
});
