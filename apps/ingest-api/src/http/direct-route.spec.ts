import { UseGuards, UseInterceptors } from '@nestjs/common';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import Fastify from 'fastify';
import { PlatformError } from '@platform/contracts';
import { TopicAccessGuard } from '../auth/topic-access.guard';
import { DirectRoute, installDirectRoutes } from './direct-route';
import type { FastifyServer } from './http-hooks';

@UseGuards(TopicAccessGuard)
class Controller {
  calls = 0;

  @DirectRoute()
  async publish(request: { eventType: { name: string } }): Promise<unknown> {
    this.calls++;
    if (request.eventType.name === 'broken') throw new PlatformError(400, 'BROKEN', 'broken event');
    return { written: request.eventType.name };
  }
}

/** The route config NestJS passes on for a DirectRoute method (the adapter reads it from the method's metadata). */
function routeConfig(): Record<string, unknown> {
  return Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, Controller.prototype.publish) as Record<string, unknown>;
}

describe('installDirectRoutes (bare Fastify, fake guard and application context in place of NestJS)', () => {
  async function serve(admit: (request: { params: { topic: string }; eventType?: unknown }) => boolean | Promise<boolean>) {
    const controller = new Controller();
    const guard = { accessOf: () => 'write', admit } as unknown as TopicAccessGuard;
    const app = { get: (type: unknown) => (type === TopicAccessGuard ? guard : controller) };
    const fastify = Fastify();
    installDirectRoutes(fastify as unknown as FastifyServer, app as never);
    fastify.post('/events/:topic', { config: routeConfig() }, async () => ({ nest: true }));
    fastify.post('/other/:topic', async () => ({ nest: true }));
    await fastify.ready();
    return { fastify, controller };
  }

  const admitting = (request: { params: { topic: string }; eventType?: unknown }) => {
    request.eventType = { name: request.params.topic };
    return true;
  };

  it('serves a marked route through the guard step and the method: 201 with its result', async () => {
    const { fastify, controller } = await serve(admitting);
    const reply = await fastify.inject({ method: 'POST', url: '/events/sensor', payload: {} });
    expect(reply.statusCode).toBe(201);
    expect(reply.json()).toEqual({ written: 'sensor' });
    expect(controller.calls).toBe(1);
    expect((await fastify.inject({ method: 'POST', url: '/other/sensor', payload: {} })).json()).toEqual({ nest: true });
  });

  it('answers a refusal of the guard (thrown or rejected) and of the method in the error format, without calling further', async () => {
    const refusing = () => {
      throw new PlatformError(403, 'FORBIDDEN', 'the token lacks scope events:write:sensor');
    };
    const { fastify, controller } = await serve(refusing);
    const forbidden = await fastify.inject({ method: 'POST', url: '/events/sensor', payload: {} });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toMatchObject({ error_code: 'FORBIDDEN', message: 'the token lacks scope events:write:sensor' });
    expect(controller.calls).toBe(0);

    const later = await serve(async () => Promise.reject(new PlatformError(429, 'RATE_LIMITED', 'too many requests; slow down', null, 3)));
    const limited = await later.fastify.inject({ method: 'POST', url: '/events/sensor', payload: {} });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('3');

    const broken = await (await serve(admitting)).fastify.inject({ method: 'POST', url: '/events/broken', payload: {} });
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toMatchObject({ error_code: 'BROKEN', message: 'broken event' });
  });

  it('answers an empty path parameter as not found, as NestJS does', async () => {
    const { fastify, controller } = await serve(admitting);
    expect((await fastify.inject({ method: 'POST', url: '/events/', payload: {} })).statusCode).toBe(404);
    expect(controller.calls).toBe(0);
  });

  it('refuses at startup a marked method with an interceptor the direct handler would skip', () => {
    @UseGuards(TopicAccessGuard)
    class Intercepted {
      @DirectRoute()
      @UseInterceptors({ intercept: (_context: unknown, next: { handle: () => unknown }) => next.handle() } as never)
      async publish(): Promise<unknown> {
        return {};
      }
    }
    const config = Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, Intercepted.prototype.publish) as Record<string, unknown>;
    const fastify = Fastify();
    const app = { get: (type: unknown) => (type === TopicAccessGuard ? {} : new Intercepted()) };
    installDirectRoutes(fastify as unknown as FastifyServer, app as never);
    expect(() => fastify.post('/events/:topic', { config }, async () => ({}))).toThrow('Intercepted.publish: a DirectRoute takes no interceptor, pipe or exception filter of its own');
  });
});
