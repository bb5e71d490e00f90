import { whileHeartbeating } from './heartbeat';

describe('whileHeartbeating', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] }));
  afterEach(() => jest.useRealTimers());

  it('fake heartbeat: beats every interval while the work runs, never after, and passes the result or error on', async () => {
    let beats = 0;
    let finish!: (value: string) => void;
    const done = whileHeartbeating(new Promise<string>((resolve) => (finish = resolve)), async () => void beats++, 500);
    await jest.advanceTimersByTimeAsync(1_499);
    expect(beats).toBe(2);
    finish('flushed');
    await expect(done).resolves.toBe('flushed');
    await jest.advanceTimersByTimeAsync(5_000);
    expect(beats).toBe(2);
    await expect(whileHeartbeating(Promise.reject(new Error('write failed')), async () => undefined)).rejects.toThrow('write failed');
  });

  it('fake heartbeat: a refused heartbeat does not fail the work', async () => {
    const done = whileHeartbeating(new Promise((resolve) => setTimeout(() => resolve('ok'), 2_500)), () => Promise.reject(new Error('rebalancing')));
    await jest.advanceTimersByTimeAsync(2_500);
    await expect(done).resolves.toBe('ok');
  });
});
