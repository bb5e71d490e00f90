/**
 * Fastify-level plumbing kept off the NestJS hot path: one onRequest hook that echoes the request id
 * in `x-request-id` and sets the security headers (security-headers.ts), request counters and latency histograms by route and status, a debug log line per request,
 * and the content types the API accepts (JSON; Confluent-framed Avro as raw bytes).
 */
import type { FastifyAdapter } from '@nestjs/platform-fastify';
import { PlatformError } from '@platform/contracts';
import { logger } from '@platform/runtime';
import { httpMetricsFor } from '../metrics';
import { securityHeaderSetter } from './security-headers';

/** The Fastify instance inside NestJS's adapter (its own fastify copy). */
export type FastifyServer = FastifyAdapter extends FastifyAdapter<any, any, any, any, any, infer I> ? I : never;

export const AVRO_CONTENT_TYPES = ['application/vnd.kafka.avro.v2+binary', 'application/octet-stream'];

export function installHttpHooks(fastify: FastifyServer, options: { batchBodyLimit: number }): void {
  const setSecurityHeaders = securityHeaderSetter();
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    setSecurityHeaders(request, reply);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions?.url ?? 'unmatched';
    const metrics = httpMetricsFor(request.method, route, reply.statusCode);
    metrics.requests.inc();
    metrics.duration.observe(reply.elapsedTime / 1000);
    const log = logger();
    if (log.isLevelEnabled('debug')) {
      log.debug({ request_id: request.id, method: request.method, route, status: reply.statusCode, ms: reply.elapsedTime }, 'request');
    }
    done();
  });
  // The batch route takes a larger body than single events (BATCH_MAX_BYTES vs BODY_LIMIT).
  fastify.addHook('onRoute', (route) => {
    if (route.url.endsWith('/batch')) route.bodyLimit = options.batchBodyLimit;
  });
  // Only JSON and Avro bytes are understood; anything else is 415. JSON parse failures are raised as
  // PlatformErrors so they keep their code through NestJS (which flattens Fastify's own errors).
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser(['text/plain', 'application/json']);
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parseJson(request, body as string, (error, value) => {
      if (error)
        done(
          new PlatformError(
            400,
            'INVALID_JSON',
            (body as string).length === 0 ? 'request body is empty' : 'request body is not valid JSON',
          ),
          undefined,
        );
      else done(null, value);
    });
  });
  fastify.addContentTypeParser(AVRO_CONTENT_TYPES, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
}
