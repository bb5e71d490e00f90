import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PipelineConfig } from '@platform/runtime';
import { PlatformError } from '@platform/contracts';
import { signToken, TokenVerifier } from '@platform/auth';
import { TopicDirectory } from '../events/topic-directory';
import { MemoryThrottlerStorage } from '../throttling/memory-throttler-storage';
import { SubjectThrottlerGuard } from '../throttling/subject-throttler.guard';
import { RequireScope, TopicAccessGuard, TopicRequest } from './topic-access.guard';

const SECRET = 'access-guard-unit-secret-0123456789';
const sensor = { name: 'iot.sensor', topic: 'events.iot.sensor' };

class Controller {
  @RequireScope('write')
  publish(): void {}
}

/** A fake HTTP execution context around one request to Controller.publish. */
function context(request: Partial<TopicRequest>): ExecutionContext {
  return {
    switchToHttp: () => ({ getRequest: () => request }),
    getHandler: () => Controller.prototype.publish,
    getClass: () => Controller,
  } as unknown as ExecutionContext;
}

function request(token: string, topic = 'iot.sensor'): Partial<TopicRequest> {
  return { headers: { authorization: `Bearer ${token}` }, params: { topic } } as Partial<TopicRequest>;
}

function outcome(run: () => unknown): unknown {
  try {
    return run();
  } catch (error) {
    return error;
  }
}

describe('TopicAccessGuard (real verifier, in-memory counters, fake execution context)', () => {
  let storage: MemoryThrottlerStorage;
  let guard: TopicAccessGuard;
  beforeEach(async () => {
    storage = new MemoryThrottlerStorage();
    const throttler = new SubjectThrottlerGuard(
      { throttlers: [{ name: 'default', ttl: 60_000, limit: 3 }] } as never,
      storage,
      new Reflector(),
    );
    await throttler.onModuleInit();
    const verifier = new TokenVerifier({
      secret: SECRET,
      clockToleranceSec: 0,
      cacheSize: 10,
      cacheMaxAgeMs: 60_000,
      maxTokenLength: 8192,
      devFallback: false,
    });
    guard = new TopicAccessGuard(
      verifier,
      throttler,
      new Reflector(),
      new TopicDirectory({ eventTypes: [sensor] } as unknown as PipelineConfig),
    );
  });
  afterEach(() => storage.close());

  it('verifies a new token asynchronously, then admits it synchronously with the principal and the event type on the request', async () => {
    const token = signToken(SECRET, { subject: 'svc', scopes: ['events:write:iot.sensor'], expiresInSeconds: 60 });
    const first = request(token);
    const verdict = guard.canActivate(context(first));
    expect(verdict).toBeInstanceOf(Promise);
    expect(await verdict).toBe(true);
    expect(first.user?.subject).toBe('svc');
    const second = request(token);
    expect(guard.canActivate(context(second))).toBe(true);
    expect(second.eventType?.topic).toBe('events.iot.sensor');
  });

  it('answers 401 without a token, 404 for an unknown topic, 403 without the scope, 429 over the limit', async () => {
    const reader = signToken(SECRET, { subject: 'reader', scopes: ['events:read:*'], expiresInSeconds: 60 });
    const writer = signToken(SECRET, { subject: 'writer', scopes: ['events:write:*'], expiresInSeconds: 60 });
    expect(
      outcome(() => guard.canActivate(context({ headers: {}, params: { topic: 'iot.sensor' } } as Partial<TopicRequest>))),
    ).toMatchObject({ status: 401 });
    await guard.canActivate(context(request(writer)));
    expect(outcome(() => guard.canActivate(context(request(writer, 'nope'))))).toMatchObject({ status: 404, errorCode: 'UNKNOWN_TOPIC' });
    expect(outcome(() => guard.canActivate(context(request(writer))))).toBe(true);
    const refused = outcome(() => guard.canActivate(context(request(writer))));
    expect(refused).toBeInstanceOf(PlatformError);
    expect(refused).toMatchObject({ status: 429, errorCode: 'RATE_LIMITED' });
    await expect(guard.canActivate(context(request(reader)))).rejects.toMatchObject({
      status: 403,
      details: { required: 'events:write:events.iot.sensor' },
    });
  });
});
