/**
 * Every failure answers in Confluent's shape {error_code, message}: registry errors with their own
 * codes, framework errors (unknown route, unsupported media type, unparsable body) with their HTTP
 * status as the code, anything unexpected as 50001 without internals. Never a stack trace.
 */
import type { ServerResponse } from 'http';
import type { Socket } from 'net';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { logger } from '@platform/runtime';
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

const VND = 'application/vnd.schemaregistry.v1+json';

/**
 * The router's own refusals (a path segment over 100 characters: 414; malformed percent-encoding:
 * 400) in Confluent's format, without echoing the URL; written on the raw response because no
 * Fastify hook runs for them.
 */
export function handleRouterError(error: Error & { statusCode?: number }, _request: unknown, reply: { raw: ServerResponse }): void {
  const status = error.statusCode === 414 ? 414 : 400;
  const body = JSON.stringify({
    error_code: status,
    message: status === 414 ? 'URI Too Long: a path segment is longer than 100 characters' : 'Bad Request: malformed URL',
  });
  reply.raw.writeHead(status, { 'content-type': VND, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  reply.raw.end(body);
}

/** Requests Node's HTTP parser refuses (malformed request line, headers too large) in Confluent's format. */
export function handleRegistryClientError(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const body = JSON.stringify({
    error_code: status,
    message: status === 431 ? 'Request Header Fields Too Large' : 'Bad Request: malformed HTTP request',
  });
  socket.end(
    [
      `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}`,
      `content-type: ${VND}`,
      `content-length: ${Buffer.byteLength(body)}`,
      'connection: close',
      '',
      body,
    ].join('\r\n'),
  );
}
