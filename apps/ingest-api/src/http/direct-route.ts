/**
 * Controller routes that Fastify calls directly rather than through NestJS's router. The route stays
 * a NestJS controller method (its path, its guard's scope, its OpenAPI description, its code); only
 * the dispatch around it changes. NestJS's router runs per request a guard consumer with a new
 * execution context, parameter extraction, an interceptor chain and a response controller, five
 * awaits in all, for what these routes need as three calls: the guard's one step (`admit`), the
 * method, and `reply.send` or the exception filter's answer.
 *
 * `DirectRoute()` marks the method (through Fastify route config, which NestJS passes on); when NestJS
 * registers the route, the `onRoute` hook installed here swaps its handler for one that does what
 * NestJS would have done for these routes, in the same order: an empty path parameter is a 404 (as
 * the adapter's own wrapper), then TopicAccessGuard, NestJS's default status (201 for POST), the
 * method with (request, reply), and its result sent as JSON, any error answered by `sendError` (the
 * global filter's code). Hooks (request id, security headers, CORS, metrics) are Fastify's and run
 * as before. A marked method may take only `@Req()` and `@Res({ passthrough: true })`, may have no
 * other guard, pipe, interceptor or filter, and must belong to a `@TopicController` (checked at startup).
 */
import type { INestApplicationContext, Type } from '@nestjs/common';
import { EXCEPTION_FILTERS_METADATA, GUARDS_METADATA, INTERCEPTORS_METADATA, PIPES_METADATA } from '@nestjs/common/constants';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TopicAccessGuard, TopicRequest } from '../auth/topic-access.guard';
import { sendError } from './all-exceptions.filter';
import type { FastifyServer } from './http-hooks';

const DIRECT_ROUTE = 'directRoute';

interface DirectTarget {
  controller: Type<unknown>;
  method: string;
}

type RouteMethod = (request: TopicRequest, reply: FastifyReply) => Promise<unknown>;

/** Fastify calls this controller method directly (see above). */
export function DirectRoute(): MethodDecorator {
  return (target, key, descriptor) => {
    const direct: DirectTarget = { controller: target.constructor as Type<unknown>, method: String(key) };
    RouteConfig({ [DIRECT_ROUTE]: direct })(target, key, descriptor);
  };
}

/** Before `app.init()`: routes marked with DirectRoute get their direct handler as NestJS registers them. */
export function installDirectRoutes(fastify: FastifyServer, app: INestApplicationContext): void {
  fastify.addHook('onRoute', (route) => {
    const target = (route.config as Record<string, unknown> | undefined)?.[DIRECT_ROUTE] as DirectTarget | undefined;
    if (!target) return;
    const controller = app.get(target.controller);
    const method = (controller as Record<string, RouteMethod>)[target.method];
    assertDirectShape(target.controller, method, `${target.controller.name}.${target.method}`);
    const guard = app.get(TopicAccessGuard);
    const access = guard.accessOf(method, target.controller);
    const status = route.method === 'POST' ? 201 : 200;

    const respond = (request: TopicRequest, reply: FastifyReply): void => {
      reply.status(status);
      let result: Promise<unknown>;
      try {
        result = method.call(controller, request, reply);
      } catch (error) {
        sendError(error, request, reply);
        return;
      }
      result.then(
        (body) => void reply.send(body),
        (error: unknown) => sendError(error, request, reply),
      );
    };
    route.handler = (request: FastifyRequest, reply: FastifyReply): void => {
      const params = request.params as Record<string, string>;
      for (const name in params) {
        if (params[name] === '' && name !== '*') {
          reply.callNotFound();
          return;
        }
      }
      const topicRequest = request as TopicRequest;
      let admitted: boolean | Promise<boolean>;
      try {
        admitted = guard.admit(topicRequest, access);
      } catch (error) {
        sendError(error, request, reply);
        return;
      }
      if (admitted instanceof Promise) admitted.then(() => respond(topicRequest, reply), (error: unknown) => sendError(error, request, reply));
      else respond(topicRequest, reply);
    };
  });
}

/** Refuses at startup a marked method whose NestJS enhancers the direct handler would silently skip. */
function assertDirectShape(controller: object, method: object, name: string): void {
  const declared = (key: string) => [...((Reflect.getMetadata(key, controller) as unknown[]) ?? []), ...((Reflect.getMetadata(key, method) as unknown[]) ?? [])];
  const guards = declared(GUARDS_METADATA);
  if (guards.length !== 1 || guards[0] !== TopicAccessGuard) throw new Error(`${name}: a DirectRoute takes exactly the TopicAccessGuard`);
  for (const key of [INTERCEPTORS_METADATA, PIPES_METADATA, EXCEPTION_FILTERS_METADATA]) {
    if (declared(key).length > 0) throw new Error(`${name}: a DirectRoute takes no interceptor, pipe or exception filter of its own`);
  }
}
