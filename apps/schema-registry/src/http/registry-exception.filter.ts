/**
 * Every failure answers in Confluent's shape {error_code, message}: registry errors with their own
 * codes, framework errors (unknown route, unsupported media type, unparsable body) with their HTTP
 * status as the code, anything unexpected as 50001 without internals. Never a stack trace.
 */
import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { logger } from '@platform/observability';
import { RegistryError } from '../domain/registry-errors';

interface ErrorAnswer {
  status: number;
  body: { error_code: number; message: string };
}

/** Maps any thrown value to the registry's error answer. */
export function toErrorAnswer(error: unknown): ErrorAnswer {
  if (error instanceof RegistryError) return { status: error.status, body: error.toBody() };
  if (error instanceof HttpException) {
    const status = error.getStatus();
    return { status, body: { error_code: status, message: status === 404 ? 'HTTP 404 Not Found' : error.message } };
  }
  const status = (error as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Fastify's own errors (unparsable JSON body, unsupported media type, body too large).
    return { status, body: { error_code: status, message: String((error as Error).message) } };
  }
  logger().error({ err: error }, 'unexpected error while serving a registry request');
  return { status: 500, body: { error_code: 50001, message: 'Error in the backend data store - unexpected internal error' } };
}

@Catch()
export class RegistryExceptionFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse();
    const { status, body } = toErrorAnswer(error);
    reply.status(status).header('content-type', 'application/vnd.schemaregistry.v1+json').send(body);
  }
}
