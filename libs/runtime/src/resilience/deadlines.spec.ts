import { setFlagsFromString } from 'v8';
import { runInNewContext } from 'vm';
import { DeadlineQueue } from './deadlines';

describe('DeadlineQueue (fake timers and a fake clock)', () => {
  let now: number;
  beforeEach(() => {
    jest.useFakeTimers();
    now = 1_000;
  });
  afterEach(() => jest.useRealTimers());

  function advance(ms: number): void {
    now += ms;
    jest.advanceTimersByTime(ms);
  }

  it('passes results and errors through, and rejects what is still pending at its deadline, in order', async () => {
    const queue = new DeadlineQueue(100, () => now);
    const settled: string[] = [];
    const track = (name: string, p: Promise<unknown>) =>
      p.then(
        (v) => settled.push(`${name}=${String(v)}`),
        (e: Error) => settled.push(`${name}!${e.message}`),
      );
    let finishA!: (v: string) => void;
    const a = track('a', queue.bound(new Promise<string>((resolve) => (finishA = resolve)), 'a timed out'));
    advance(40);
    const b = track('b', queue.bound(new Promise(() => undefined), 'b timed out'));
    const c = track('c', queue.bound(Promise.reject(new Error('broken')), 'c timed out'));
    finishA('ok');
    await Promise.resolve();
    advance(59);
    await Promise.resolve();
    expect([...settled].sort()).toEqual(['a=ok', 'c!broken']);
    advance(41);
    await Promise.all([a, b, c]);
    expect(settled.slice(2)).toEqual(['b!b timed out']);
    expect(queue.size).toBe(0);
  });

  /** Bounds a call that never settles per name (`gapMs` apart); their expiries go into `expired`, in order. */
  function expiries(queue: DeadlineQueue, names: string[], gapMs = 0, expired: string[] = []): string[] {
    for (const name of names) {
      void queue.bound(new Promise(() => undefined), name).catch((e: Error) => expired.push(e.message));
      if (gapMs > 0) advance(gapMs);
    }
    return expired;
  }

  it('waits the whole duration before the first deadline fires, not a moment less', async () => {
    const queue = new DeadlineQueue(100, () => now);
    const expired = expiries(queue, ['first']);
    advance(99);
    await Promise.resolve();
    expect(expired).toEqual([]);
    advance(1);
    await Promise.resolve();
    expect(expired).toEqual(['first']);
  });

  it('expires every deadline that is due in one firing, and only those', async () => {
    const queue = new DeadlineQueue(100, () => now);
    const expired = expiries(queue, ['a', 'b', 'c']);
    advance(30);
    expiries(queue, ['d'], 0, expired);
    advance(70);
    await Promise.resolve();
    expect(expired).toEqual(['a', 'b', 'c']);
    expect(queue.size).toBe(1);
  });

  it('re-arms for the next pending deadline at its own time', async () => {
    const queue = new DeadlineQueue(100, () => now);
    const expired = expiries(queue, ['a', 'b', 'c'], 25);
    // Set at 0, 25 and 50 (the clock is now at 75): due at 100, 125 and 150.
    advance(24);
    await Promise.resolve();
    expect(expired).toEqual([]);
    advance(1);
    await Promise.resolve();
    expect(expired).toEqual(['a']);
    advance(24);
    await Promise.resolve();
    expect(expired).toEqual(['a']);
    advance(1);
    await Promise.resolve();
    expect(expired).toEqual(['a', 'b']);
    advance(25);
    await Promise.resolve();
    expect(expired).toEqual(['a', 'b', 'c']);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('skips settled calls on its way to the next pending one', async () => {
    const queue = new DeadlineQueue(100, () => now);
    const expired: string[] = [];
    for (let i = 0; i < 2000; i++) void queue.bound(Promise.resolve(i), `settled ${i}`).catch((e: Error) => expired.push(e.message));
    advance(10);
    expiries(queue, ['pending'], 0, expired);
    await Promise.resolve();
    advance(90);
    await Promise.resolve();
    expect(expired).toEqual([]);
    expect(queue.size).toBe(1);
    advance(10);
    await Promise.resolve();
    expect(expired).toEqual(['pending']);
    expect(queue.size).toBe(0);
  });

  it('uses one timer however many deadlines are pending', () => {
    const queue = new DeadlineQueue(100, () => now);
    for (let i = 0; i < 1000; i++) void queue.bound(new Promise(() => undefined), 'late').catch(() => undefined);
    expect(jest.getTimerCount()).toBe(1);
    advance(100);
    expect(queue.size).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('DeadlineQueue (real garbage collector)', () => {
  it('lets go of a settled call long before its deadline: the caller’s state is not kept for the whole duration', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const queue = new DeadlineQueue(60_000);
    let held!: WeakRef<object>;
    await (async () => {
      const state = { records: new Array(1000).fill('x') };
      held = new WeakRef(state);
      await queue.bound(Promise.resolve(state), 'late');
    })();
    // WeakRef targets are kept until the current job ends.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(held.deref()).toBeUndefined();
    expect(queue.size).toBe(1);
  });
});
