/** Request count and latency per route and status, on the shared metrics registry. */
import { FastifyInstance } from 'fastify';
import { counter, histogram } from '@platform/runtime';

export function installRequestMetrics(fastify: FastifyInstance): void {
  const requests = counter('schema_registry_requests_total', 'Schema registry HTTP requests', ['method', 'route', 'status']);
  const duration = histogram('schema_registry_request_duration_seconds', 'Schema registry HTTP request duration', ['method', 'route']);
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions?.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
}
