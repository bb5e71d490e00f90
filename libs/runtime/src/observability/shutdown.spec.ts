type ShutdownModule = typeof import('./shutdown');
type HealthModule = typeof import('./health');

/** A fresh copy of the module (its steps and flags are per process), with a fake logger and fake process hooks. */
function load() {
  const logged: Array<[string, unknown, string?]> = [];
  const fakeLogger = {
    info: (a: unknown, b?: string) => logged.push(['info', a, b]),
    error: (a: unknown, b?: string) => logged.push(['error', a, b]),
  };
  const handlers = new Map<string, () => void>();
  const once = jest.spyOn(process, 'once').mockImplementation(((signal: string, handler: () => void) => {
    handlers.set(signal, handler);
    return process;
  }) as never);
  const exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
  let mod!: ShutdownModule;
  let healthMod!: HealthModule;
  jest.isolateModules(() => {
    jest.doMock('./logger', () => ({ logger: () => fakeLogger }));
    mod = require('./shutdown');
    healthMod = require('./health');
  });
  return { ...mod, health: healthMod.health, logged, handlers, once, exit };
}

describe('graceful shutdown with a fake process and logger', () => {
  afterEach(() => {
    jest.restoreAllMocks();
    jest.dontMock('./logger');
  });

  it('fake process: installs one handler each for SIGINT and SIGTERM, however many steps are registered', () => {
    const { onShutdown, once, handlers } = load();
    onShutdown('a', async () => undefined);
    onShutdown('b', async () => undefined);
    expect(once).toHaveBeenCalledTimes(2);
    expect([...handlers.keys()]).toEqual(['SIGINT', 'SIGTERM']);
  });

  it('fake process: a signal runs the steps in order, marks the process not ready and exits 0', async () => {
    const { onShutdown, handlers, exit, logged, health } = load();
    const order: string[] = [];
    onShutdown('consumer', async () => void order.push('consumer'));
    onShutdown('producer', async () => void order.push('producer'));
    handlers.get('SIGTERM')!();
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(order).toEqual(['consumer', 'producer']);
    expect(exit).toHaveBeenCalledWith(0);
    expect(logged).toEqual([
      ['info', { reason: 'SIGTERM' }, 'shutting down'],
      ['info', 'stopped', undefined],
    ]);
    expect((await health.report()).ready).toBe(false);
  });

  it('fake process: a failing step is logged with its name, the others still run, and the exit code is 1', async () => {
    const { onShutdown, shutdown, exit, logged } = load();
    const order: string[] = [];
    const failure = new Error('flush failed');
    onShutdown('sink', async () => {
      order.push('sink');
      throw failure;
    });
    onShutdown('http', async () => void order.push('http'));
    await shutdown('test');
    expect(order).toEqual(['sink', 'http']);
    expect(logged).toContainEqual(['error', { err: failure, step: 'sink' }, 'shutdown step failed']);
    expect(exit).toHaveBeenCalledWith(1);
  });

  it('fake process: runs once; the exit code given is used when every step passes', async () => {
    const { onShutdown, shutdown, exit } = load();
    let runs = 0;
    onShutdown('count', async () => void runs++);
    await shutdown('fatal', 3);
    await shutdown('again', 0);
    expect(runs).toBe(1);
    expect(exit).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledWith(3);
  });
});
