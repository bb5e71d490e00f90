/** The one exception filter: every HTTP error leaves in the error format with the request id. */
import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from '@platform/contracts';
import { logger } from '@platform/runtime';
import { mapError } from './error-mapping';

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const http = host.switchToHttp();
    sendError(exception, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }
}

/** Answers `exception` in the error format (what the filter does; routes Fastify calls directly use it too). */
export function sendError(exception: unknown, request: FastifyRequest | undefined, reply: FastifyReply | undefined): void {
  const mapped = mapError(exception);
  if (mapped.status >= 500 && mapped.errorCode === 'INTERNAL_ERROR') {
    logger().error({ err: exception, request_id: request?.id, route: request?.routeOptions?.url }, 'unhandled error');
  } else if (logger().isLevelEnabled('debug')) {
    logger().debug({ request_id: request?.id, status: mapped.status, error_code: mapped.errorCode }, mapped.message);
  }
  if (!reply || reply.sent) return;
  if (mapped.retryAfterSeconds) reply.header('retry-after', String(Math.max(1, Math.ceil(mapped.retryAfterSeconds))));
  reply
    .status(mapped.status)
    .header('content-type', 'application/json; charset=utf-8')
    .send(errorBody(mapped, String(request?.id ?? '')));
}
