import { buildInfo } from './build-info';
import { HealthRegistry } from './health';

describe('HealthRegistry', () => {
  afterEach(() => jest.useRealTimers());

  it('is ready with no probes, live always, and reports the build and a non-negative uptime', async () => {
    const report = await new HealthRegistry().report();
    expect(report).toEqual({ status: 'ok', live: true, ready: true, uptime_seconds: expect.any(Number), checks: {}, build: buildInfo() });
    expect(report.uptime_seconds).toBeGreaterThanOrEqual(0);
    expect(report.uptime_seconds).toBeLessThan(3600);
  });

  it('reports every probe by name; one false or failing probe makes it degraded', async () => {
    const registry = new HealthRegistry();
    registry.register('kafka', async () => true);
    registry.register('registry', async () => true);
    expect(await registry.report()).toMatchObject({ status: 'ok', ready: true, checks: { kafka: true, registry: true } });
    registry.register('warehouse', async () => false);
    expect(await registry.report()).toMatchObject({ status: 'degraded', live: true, ready: false, checks: { kafka: true, registry: true, warehouse: false } });
    registry.register('warehouse', () => Promise.reject(new Error('down')));
    expect((await registry.report()).checks).toEqual({ kafka: true, registry: true, warehouse: false });
    registry.register('warehouse', async () => true);
    expect((await registry.report()).ready).toBe(true);
  });

  it('a probe that does not answer within the timeout (2 s by default) counts as failed', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
    const registry = new HealthRegistry();
    registry.register('slow', () => new Promise<boolean>(() => undefined));
    let settled: Awaited<ReturnType<HealthRegistry['report']>> | undefined;
    void registry.report().then((r) => (settled = r));
    await jest.advanceTimersByTimeAsync(1_999);
    expect(settled).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(settled).toMatchObject({ ready: false, checks: { slow: false } });

    let custom: Awaited<ReturnType<HealthRegistry['report']>> | undefined;
    void registry.report(50).then((r) => (custom = r));
    await jest.advanceTimersByTimeAsync(49);
    expect(custom).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(custom?.checks).toEqual({ slow: false });
  });

  it('is not ready once shutting down, though every probe passes', async () => {
    const registry = new HealthRegistry();
    registry.register('kafka', async () => true);
    registry.markShuttingDown();
    expect(await registry.report()).toMatchObject({ status: 'degraded', live: true, ready: false, checks: { kafka: true } });
  });
});
