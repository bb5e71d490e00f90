import { Server } from 'http';
import { createServer } from 'net';
import type * as ConfigModule from '../config';
import type * as RunServiceModule from './run-service';
import type * as ShutdownModule from './shutdown';

interface Loaded {
  ConfigError: typeof ConfigModule.ConfigError;
  FinalStartError: typeof RunServiceModule.FinalStartError;
  runService: typeof RunServiceModule.runService;
  shutdown: typeof ShutdownModule.shutdown;
}

// Ops servers left listening when a start fails (the real process exits), closed after each test.
const opsServers: Server[] = [];

interface LogLine {
  level: 'warn' | 'fatal';
  msg: string;
  err?: unknown;
}

// The shutdown steps and the "stopping" flag are process-wide; each test gets its own copy. With
// `logs`, the logger is a fake that records warnings and fatal lines.
function load(logs?: LogLine[]): Loaded {
  let loaded: Loaded | undefined;
  jest.isolateModules(() => {
    if (logs) {
      const record = (level: LogLine['level']) => (fields: { err?: unknown }, msg: string) =>
        void logs.push({ level, msg, err: fields.err });
      const fake = { info: () => undefined, warn: record('warn'), fatal: record('fatal') };
      jest.doMock('./logger', () => ({ createLogger: () => fake, logger: () => fake }));
    }
    jest.doMock('./http-server', () => {
      const actual = jest.requireActual('./http-server');
      return { ...actual, startOpsServer: async (port: number) => opsServers[opsServers.push(await actual.startOpsServer(port)) - 1] };
    });
    loaded = {
      ConfigError: require('@platform/runtime').ConfigError,
      runService: require('./run-service').runService,
      FinalStartError: require('./run-service').FinalStartError,
      shutdown: require('./shutdown').shutdown,
    };
  });
  return loaded!;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function readyStatus(port: number): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}/health/ready`)).status;
}

async function opsAnswers(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health/live`)).ok;
  } catch {
    return false;
  }
}

describe('runService, with a fake service', () => {
  let exits: number[];
  let exited: Promise<number>;
  let stderr: string;
  let signalListeners: Record<'SIGINT' | 'SIGTERM', NodeJS.SignalsListener[]>;
  const logLevel = process.env.LOG_LEVEL;

  beforeEach(() => {
    exits = [];
    stderr = '';
    signalListeners = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
    let onExit: (code: number) => void;
    exited = new Promise((resolve) => (onExit = resolve));
    jest.spyOn(process, 'exit').mockImplementation(((code?: number) => {
      exits.push(code ?? 0);
      onExit(code ?? 0);
    }) as never);
    jest.spyOn(process.stderr, 'write').mockImplementation(((chunk: string | Uint8Array) => {
      stderr += chunk.toString();
      return true;
    }) as never);
    process.env.LOG_LEVEL = 'silent';
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    if (logLevel === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = logLevel;
    await Promise.all(opsServers.splice(0).map((s) => new Promise((resolve) => (s.listening ? s.close(resolve) : resolve(undefined)))));
    // onShutdown installs SIGINT/SIGTERM handlers; leave the test process's own as they were.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      for (const listener of process.listeners(signal))
        if (!signalListeners[signal].includes(listener)) process.removeListener(signal, listener);
    }
  });

  it('a ConfigError: its message on stderr, exit status 2, and the fake service is never started', async () => {
    const { ConfigError, runService } = load();
    const start = jest.fn();
    await runService({
      name: 'fake',
      loadConfig: () => {
        throw new ConfigError(['FAKE_PORT is required (a port)']);
      },
      start,
    });
    expect(exits).toEqual([2]);
    expect(stderr).toBe('Invalid configuration:\n  - FAKE_PORT is required (a port)\n');
    expect(start).not.toHaveBeenCalled();
  });

  it('any other loader error, or a failing fake service: exit status 1', async () => {
    const { runService } = load();
    await runService({
      name: 'fake',
      loadConfig: () => {
        throw new Error('unreadable');
      },
      start: jest.fn(),
    });
    const port = await freePort();
    await runService({
      name: 'fake',
      loadConfig: () => ({ logLevel: 'silent', opsPort: port }),
      start: () => Promise.reject(new Error('cannot connect')),
    });
    expect(exits).toEqual([1, 1]);
    expect(stderr).toBe('');
  });

  it('starts the fake service after the ops server, and on shutdown stops it before the ops server', async () => {
    const { runService, shutdown } = load();
    const port = await freePort();
    const events: string[] = [];
    await runService({
      name: 'fake',
      loadConfig: () => ({ logLevel: 'silent', opsPort: port, extra: 'x' }),
      start: async ({ config, logger }) => {
        events.push(`start ${config.extra} ops=${await opsAnswers(port)} logger=${typeof logger.info}`);
        return {
          stop: async () => {
            events.push(`stop ops=${await opsAnswers(port)}`);
          },
        };
      },
    });
    expect(exits).toEqual([]);
    expect(await opsAnswers(port)).toBe(true);

    await shutdown('test');
    expect(events).toEqual(['start x ops=true logger=function', 'stop ops=true']);
    expect(await opsAnswers(port)).toBe(false);
    expect(exits).toEqual([0]);
  });

  it('the ops server answers not ready (503) while the fake service starts, ready once it has', async () => {
    const { runService } = load();
    const port = await freePort();
    let whileStarting: number | undefined;
    await runService({
      name: 'fake',
      loadConfig: () => ({ logLevel: 'silent', opsPort: port }),
      start: async () => {
        whileStarting = await readyStatus(port);
        return { stop: async () => undefined };
      },
    });
    expect(whileStarting).toBe(503);
    expect(await readyStatus(port)).toBe(200);
  });

  it('a fake service serving HTTP itself (no opsPort): no ops server, stopped on shutdown', async () => {
    const { runService, shutdown } = load();
    const stop = jest.fn(async () => undefined);
    await runService({
      name: 'fake',
      loadConfig: () => ({ logLevel: 'silent' }),
      start: async () => ({ stop, url: 'http://127.0.0.1:1' }),
    });
    expect(exits).toEqual([]);
    expect(opsServers).toHaveLength(0);
    await shutdown('test');
    expect(stop).toHaveBeenCalledTimes(1);
    expect(exits).toEqual([0]);
  });

  it("the fake service's onFatal shuts down with exit status 1", async () => {
    const { runService } = load();
    const port = await freePort();
    const stop = jest.fn(async () => undefined);
    let fatal: (() => void) | undefined;
    await runService({
      name: 'fake',
      fatalReason: 'destination failed',
      loadConfig: () => ({ logLevel: 'silent', opsPort: port }),
      start: async ({ onFatal }) => {
        fatal = onFatal;
        return { stop };
      },
    });
    expect(exits).toEqual([]);
    fatal!();
    expect(await exited).toBe(1);
    expect(stop).toHaveBeenCalledTimes(1);
    expect(await opsAnswers(port)).toBe(false);
  });
});

describe('runService retrying a failed start (fake service, fake logger, fake clock)', () => {
  let exits: number[];
  let signalListeners: Record<'SIGINT' | 'SIGTERM', NodeJS.SignalsListener[]>;
  const retriable = (message: string) => Object.assign(new Error(message), { retriable: true });

  beforeEach(() => {
    exits = [];
    signalListeners = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
    jest.useFakeTimers();
    jest.spyOn(process, 'exit').mockImplementation(((code?: number) => void exits.push(code ?? 0)) as never);
  });

  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      for (const listener of process.listeners(signal))
        if (!signalListeners[signal].includes(listener)) process.removeListener(signal, listener);
    }
  });

  /** Runs the service to completion of its start, advancing the fake clock through every backoff. */
  async function run(runService: Loaded['runService'], options: Parameters<Loaded['runService']>[0]): Promise<void> {
    let done = false;
    const running = runService(options).finally(() => (done = true));
    while (!done) await jest.advanceTimersByTimeAsync(1000);
    await running;
  }

  it('a start that fails twice retriably, then succeeds: one warning per failure naming the cause, started, no exit', async () => {
    const logs: LogLine[] = [];
    const { runService, shutdown } = load(logs);
    const stop = jest.fn(async () => undefined);
    const start = jest
      .fn()
      .mockRejectedValueOnce(retriable('connect ECONNREFUSED 127.0.0.1:9092'))
      .mockRejectedValueOnce(retriable('There is no leader for this topic-partition'))
      .mockResolvedValueOnce({ stop });
    await run(runService, { name: 'fake', loadConfig: () => ({ logLevel: 'silent' }), start });
    expect(start).toHaveBeenCalledTimes(3);
    expect(logs.map((l) => `${l.level} ${l.msg}`)).toEqual([
      'warn fake could not start (connect ECONNREFUSED 127.0.0.1:9092); retrying',
      'warn fake could not start (There is no leader for this topic-partition); retrying',
    ]);
    expect(exits).toEqual([]);
    await shutdown('test');
    expect(stop).toHaveBeenCalledTimes(1);
  });

  it("the app's classifier decides: a failure it calls final exits 1 at once with the error, never retried", async () => {
    const logs: LogLine[] = [];
    const { runService } = load(logs);
    const denied = retriable('Kafka authorization failed (TOPIC_AUTHORIZATION_FAILED)');
    const start = jest.fn().mockRejectedValue(denied);
    await run(runService, { name: 'fake', loadConfig: () => ({ logLevel: 'silent' }), start, isRetriable: (e) => e !== denied });
    expect(start).toHaveBeenCalledTimes(1);
    expect(exits).toEqual([1]);
    expect(logs).toEqual([{ level: 'fatal', msg: 'fake failed to start', err: denied }]);
  });

  it('a FinalStartError exits 1 at once though its cause is one the classifier retries', async () => {
    const logs: LogLine[] = [];
    const { runService, FinalStartError } = load(logs);
    const brokerDown = retriable('connect ECONNREFUSED 127.0.0.1:9092');
    const final = new FinalStartError('the stages did not start', brokerDown);
    const start = jest.fn().mockRejectedValue(final);
    await run(runService, {
      name: 'fake',
      loadConfig: () => ({ logLevel: 'silent' }),
      start,
      isRetriable: (e) => e === brokerDown || (e as Error).cause === brokerDown,
    });
    expect(start).toHaveBeenCalledTimes(1);
    expect(exits).toEqual([1]);
    expect(logs).toEqual([{ level: 'fatal', msg: 'fake failed to start', err: final }]);
    expect(final.message).toBe('the stages did not start: connect ECONNREFUSED 127.0.0.1:9092');
    expect(final.cause).toBe(brokerDown);
  });

  it('an error without the retriable flag is final by default', async () => {
    const { runService } = load([]);
    const start = jest.fn().mockRejectedValue(new Error('bad pipeline file'));
    await run(runService, { name: 'fake', loadConfig: () => ({ logLevel: 'silent' }), start });
    expect(start).toHaveBeenCalledTimes(1);
    expect(exits).toEqual([1]);
  });

  it('still failing at START_RETRY_TIMEOUT: exits 1 with a message naming the timeout and the last cause', async () => {
    const logs: LogLine[] = [];
    const { runService } = load(logs);
    const start = jest.fn().mockRejectedValue(retriable('connect ECONNREFUSED 127.0.0.1:9092'));
    const began = Date.now();
    await run(runService, { name: 'fake', loadConfig: () => ({ logLevel: 'silent', startRetryTimeoutMs: 10_000 }), start });
    expect(exits).toEqual([1]);
    expect(Date.now() - began).toBeLessThanOrEqual(11_000);
    // Backoff of about 1, 2, 4 s (plus jitter) fits in 10 s; the next would not.
    expect(start).toHaveBeenCalledTimes(4);
    expect(logs.filter((l) => l.level === 'warn')).toHaveLength(3);
    expect(logs.at(-1)).toMatchObject({
      level: 'fatal',
      msg: 'fake could not start within START_RETRY_TIMEOUT (10000 ms, 4 attempts): connect ECONNREFUSED 127.0.0.1:9092',
    });
  });
});
