/**
 * Requests Node's HTTP parser refuses before any route runs (headers too large, malformed request
 * line) still get the platform's error format and a request id, then the connection closes.
 */
import { ServerResponse, STATUS_CODES } from 'http';
import type { Socket } from 'net';
import { errorBody } from '@platform/contracts';
import { mapError } from './error-mapping';
import { newRequestId } from './request-context';
import { API_SECURITY_HEADERS } from './security-headers';

export function clientErrorResponse(error: { code?: string }): string {
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' || error.code === 'ERR_HTTP_HEADERS_TIMEOUT';
  const status = tooLarge ? 431 : timedOut ? 408 : 400;
  const requestId = newRequestId();
  const body = JSON.stringify(
    errorBody(
      tooLarge
        ? { errorCode: 'HEADERS_TOO_LARGE', message: 'request headers are too large' }
        : timedOut
          ? { errorCode: 'REQUEST_TIMEOUT', message: 'the request was not received in time' }
          : { errorCode: 'BAD_REQUEST', message: 'malformed HTTP request' },
      requestId,
    ),
  );
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    `x-request-id: ${requestId}`,
    'connection: close',
    '',
    body,
  ].join('\r\n');
}

/** What a socket carries while Node's HTTP server serves it: the response in flight, if any. */
type ServedSocket = Socket & { _httpMessage?: { headersSent?: boolean } | null };

/**
 * Answers a request the parser gave up on, as Node's own handler does: only when no answer has begun
 * on the connection. Once a response's headers are out (say, answered before its body was all read),
 * another status line would be taken by the client as the answer to its next request, so the
 * connection is closed instead.
 */
export function handleClientError(error: Error & { code?: string }, socket: Socket): void {
  const inFlight = (socket as ServedSocket)._httpMessage;
  if (error.code !== 'ECONNRESET' && socket.writable && !inFlight?.headersSent) socket.end(clientErrorResponse(error));
  else socket.destroy();
}

/**
 * Fastify's router-level refusals (a path segment over 100 characters, malformed percent-encoding)
 * in the error format, with the request id and without echoing the URL back.
 */
export function handleFrameworkError(error: Error, request: { id: unknown }, reply: { raw: ServerResponse }): void {
  const mapped = mapError(error);
  const requestId = String(request.id);
  const body = JSON.stringify(errorBody(mapped, requestId));
  // Written on the raw response: the router refused before any Fastify hook could run.
  reply.raw.writeHead(mapped.status, {
    ...API_SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-request-id': requestId,
  });
  reply.raw.end(body);
}
