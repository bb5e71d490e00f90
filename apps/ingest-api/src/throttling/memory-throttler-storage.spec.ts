import { MemoryThrottlerStorage } from './memory-throttler-storage';

describe('MemoryThrottlerStorage (fake clock)', () => {
  let now: number;
  let storage: MemoryThrottlerStorage;
  beforeEach(() => {
    now = 50_000;
    storage = new MemoryThrottlerStorage(() => now);
  });
  afterEach(() => storage.close());

  it('counts hits in a fixed window and blocks the hit over the limit for blockDuration', async () => {
    expect(await storage.increment('k', 10_000, 2, 4_000, 'default')).toEqual({ totalHits: 1, timeToExpire: 10, isBlocked: false, timeToBlockExpire: 0 });
    now += 2_001;
    expect(await storage.increment('k', 10_000, 2, 4_000, 'default')).toEqual({ totalHits: 2, timeToExpire: 8, isBlocked: false, timeToBlockExpire: 0 });
    expect(await storage.increment('k', 10_000, 2, 4_000, 'default')).toEqual({ totalHits: 3, timeToExpire: 8, isBlocked: true, timeToBlockExpire: 4 });
    // While blocked, hits are not counted.
    now += 3_999;
    expect(await storage.increment('k', 10_000, 2, 4_000, 'default')).toEqual({ totalHits: 3, timeToExpire: 4, isBlocked: true, timeToBlockExpire: 1 });
    // The block is over, the window is not: the count goes on from where it was.
    now += 1;
    expect(await storage.increment('k', 10_000, 2, 4_000, 'default')).toMatchObject({ totalHits: 4, isBlocked: true });
  });

  it('opens a new window when the old one ends, exactly at its end', async () => {
    await storage.increment('k', 1_000, 1, 0, 'default');
    now += 999;
    expect(await storage.increment('k', 1_000, 1, 0, 'default')).toMatchObject({ totalHits: 2, isBlocked: true });
    now += 1;
    expect(await storage.increment('k', 1_000, 1, 0, 'default')).toEqual({ totalHits: 1, timeToExpire: 1, isBlocked: false, timeToBlockExpire: 0 });
  });

  it('blocks past the end of the window when blockDuration is longer', async () => {
    await storage.increment('k', 1_000, 1, 5_000, 'default');
    await storage.increment('k', 1_000, 1, 5_000, 'default');
    now += 3_000;
    expect(await storage.increment('k', 1_000, 1, 5_000, 'default')).toEqual({ totalHits: 2, timeToExpire: 1, isBlocked: true, timeToBlockExpire: 2 });
    now += 2_000;
    expect(await storage.increment('k', 1_000, 1, 5_000, 'default')).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('keeps keys apart', async () => {
    await storage.increment('a', 1_000, 1, 1_000, 'default');
    expect(await storage.increment('b', 1_000, 1, 1_000, 'default')).toMatchObject({ totalHits: 1, isBlocked: false });
    expect(await storage.increment('a', 1_000, 1, 1_000, 'default')).toMatchObject({ totalHits: 2, isBlocked: true });
  });

  it('forgets windows that ended and are not blocked, every 30 seconds', async () => {
    jest.useFakeTimers();
    try {
      const swept = new MemoryThrottlerStorage(() => now);
      await swept.increment('ended', 1_000, 1, 0, 'default');
      await swept.increment('blocked', 1_000, 0, 60_000, 'default');
      await swept.increment('open', 100_000, 5, 0, 'default');
      const windows = (swept as unknown as { windows: Map<string, unknown> }).windows;
      now += 1_000;
      jest.advanceTimersByTime(29_999);
      expect([...windows.keys()]).toEqual(['ended', 'blocked', 'open']);
      jest.advanceTimersByTime(1);
      expect([...windows.keys()]).toEqual(['blocked', 'open']);
      swept.close();
      now += 100_000;
      jest.advanceTimersByTime(30_000);
      expect([...windows.keys()]).toEqual(['blocked', 'open']);
    } finally {
      jest.useRealTimers();
    }
  });
});
