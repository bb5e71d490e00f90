import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerStorage } from '@nestjs/throttler';
import { PlatformError } from '@platform/contracts';
import { Principal } from '@platform/auth';
import { SubjectThrottlerGuard } from './subject-throttler.guard';
import { MemoryThrottlerStorage } from './memory-throttler-storage';

type Request = { user?: Principal; ip?: string };

function principal(subject: string): Principal {
  return { subject, scopes: new Set(), expiresAtMs: null };
}

/** A fake HTTP execution context around one request. */
function context(request: Request): ExecutionContext {
  class Controller {
    handler(): void {}
  }
  return {
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({ header: () => undefined }) }),
    getHandler: () => Controller.prototype.handler,
    getClass: () => Controller,
    getType: () => 'http',
  } as unknown as ExecutionContext;
}

async function guardWith(storage: ThrottlerStorage, throttlers: Array<Record<string, unknown>>): Promise<SubjectThrottlerGuard> {
  const guard = new SubjectThrottlerGuard({ throttlers } as never, storage, new Reflector());
  await guard.onModuleInit();
  return guard;
}

async function outcome(guard: SubjectThrottlerGuard, request: Request): Promise<true | PlatformError> {
  try {
    expect(await guard.canActivate(context(request))).toBe(true);
    return true;
  } catch (error) {
    return error as PlatformError;
  }
}

describe('SubjectThrottlerGuard (memory storage with a fake clock)', () => {
  let now: number;
  let storage: MemoryThrottlerStorage;
  beforeEach(() => {
    now = 1_000_000;
    storage = new MemoryThrottlerStorage(() => now);
  });
  afterEach(() => storage.close());

  it('lets exactly limit requests of one subject through in a window, then answers 429 RATE_LIMITED with the limit and a retry time', async () => {
    const guard = await guardWith(storage, [{ name: 'default', ttl: 60_000, limit: 3 }]);
    const alice = { user: principal('alice') };
    expect([await outcome(guard, alice), await outcome(guard, alice), await outcome(guard, alice)]).toEqual([true, true, true]);
    now += 20_500;
    const refused = await outcome(guard, alice);
    expect(refused).toBeInstanceOf(PlatformError);
    expect(refused).toMatchObject({ status: 429, errorCode: 'RATE_LIMITED', message: 'too many requests; slow down', details: { limit: 3, window_ms: 60_000 }, retryAfterSeconds: 60 });
  });

  it('counts each subject on its own, and a request without a token by its address', async () => {
    const guard = await guardWith(storage, [{ ttl: 60_000, limit: 1 }]);
    expect(await outcome(guard, { user: principal('alice'), ip: '10.0.0.1' })).toBe(true);
    expect(await outcome(guard, { user: principal('bob'), ip: '10.0.0.1' })).toBe(true);
    expect(await outcome(guard, { ip: '10.0.0.1' })).toBe(true);
    expect(await outcome(guard, { ip: '10.0.0.2' })).toBe(true);
    expect(await outcome(guard, {})).toBe(true);
    for (const request of [{ user: principal('alice') }, { user: principal('bob'), ip: '10.0.0.9' }, { ip: '10.0.0.1' }, { ip: '10.0.0.2' }, {}]) {
      expect(await outcome(guard, request)).toMatchObject({ status: 429 });
    }
  });

  it('keys the storage by throttler name and tracker', async () => {
    const keys: Array<[string, number, number, number, string]> = [];
    const recording: ThrottlerStorage = {
      increment: async (key, ttl, limit, blockDuration, name) => {
        keys.push([key, ttl, limit, blockDuration, name]);
        return { totalHits: 1, timeToExpire: 1, isBlocked: false, timeToBlockExpire: 0 };
      },
    };
    const guard = await guardWith(recording, [{ name: 'burst', ttl: 1000, limit: 5, blockDuration: 3000 }, { ttl: 60_000, limit: 100 }]);
    await outcome(guard, { user: principal('alice') });
    await outcome(guard, { ip: '10.1.2.3' });
    await outcome(guard, {});
    expect(keys).toEqual([
      ['burst:sub:alice', 1000, 5, 3000, 'burst'],
      ['default:sub:alice', 60_000, 100, 60_000, 'default'],
      ['burst:ip:10.1.2.3', 1000, 5, 3000, 'burst'],
      ['default:ip:10.1.2.3', 60_000, 100, 60_000, 'default'],
      ['burst:ip:unknown', 1000, 5, 3000, 'burst'],
      ['default:ip:unknown', 60_000, 100, 60_000, 'default'],
    ]);
  });

  it('starts counting again in the next window', async () => {
    const guard = await guardWith(storage, [{ ttl: 1000, limit: 2 }]);
    const alice = { user: principal('alice') };
    await outcome(guard, alice);
    await outcome(guard, alice);
    expect(await outcome(guard, alice)).toMatchObject({ status: 429, retryAfterSeconds: 1 });
    now += 1000;
    expect(await outcome(guard, alice)).toBe(true);
  });

  it('answers 429 from another storage over the limit, with its block time (fake blocking storage)', async () => {
    const blocking: ThrottlerStorage = {
      increment: async (_key, _ttl, limit) => ({ totalHits: limit + 1, timeToExpire: 30, isBlocked: true, timeToBlockExpire: 12 }),
    };
    const guard = await guardWith(blocking, [{ ttl: 60_000, limit: 4 }]);
    expect(await outcome(guard, { user: principal('alice') })).toMatchObject({ status: 429, errorCode: 'RATE_LIMITED', details: { limit: 4, window_ms: 60_000 }, retryAfterSeconds: 12 });
  });

  it('counts with the in-memory counters without a promise, and the first limit that is over refuses', async () => {
    const guard = await guardWith(storage, [{ name: 'burst', ttl: 1000, limit: 1, blockDuration: 5000 }, { name: 'minute', ttl: 60_000, limit: 10 }]);
    const alice = { user: principal('alice') };
    expect(guard.limit(alice)).toBeUndefined();
    let refused: unknown;
    try {
      guard.limit(alice);
    } catch (error) {
      refused = error;
    }
    expect(refused).toMatchObject({ status: 429, details: { limit: 1, window_ms: 1000 }, retryAfterSeconds: 5 });
    // The minute counter saw only the first request: the burst refused the second before it.
    expect(storage.hit('minute:sub:alice', 60_000, 10, 60_000)).toMatchObject({ totalHits: 2 });
  });

  it('limit() needs plain-number throttlers', async () => {
    const guard = await guardWith(storage, [{ ttl: () => 1000, limit: 1 }]);
    expect(() => guard.limit({ user: principal('alice') })).toThrow('SubjectThrottlerGuard.limit needs throttlers with plain numbers');
  });

  it('lets requests through when the storage fails (fake failing storage)', async () => {
    const failing: ThrottlerStorage = { increment: async () => Promise.reject(new Error('connection refused')) };
    const guard = await guardWith(failing, [{ ttl: 1000, limit: 1 }]);
    expect(await outcome(guard, { user: principal('alice') })).toBe(true);
  });

  it('falls back to the generic guard for throttlers that are not plain numbers, keyed the same way', async () => {
    const keys: string[] = [];
    const recording: ThrottlerStorage = {
      increment: async (key, _ttl, limit) => {
        keys.push(key);
        return { totalHits: keys.length, timeToExpire: 1, isBlocked: keys.length > limit, timeToBlockExpire: 7 };
      },
    };
    const guard = await guardWith(recording, [{ name: 'dyn', ttl: () => 1000, limit: 1 }]);
    expect(await outcome(guard, { user: principal('carol') })).toBe(true);
    expect(await outcome(guard, { user: principal('carol') })).toMatchObject({ status: 429, errorCode: 'RATE_LIMITED', details: { limit: 1, window_ms: 1000 }, retryAfterSeconds: 7 });
    // The generic guard hashes the key that generateKey gives for the tracker that getTracker gives.
    expect(new Set(keys).size).toBe(1);
  });
});
