/**
 * The ws adapter, with two changes: a gateway path also matches the paths below it
 * (`/api/v1/stream/{topic}`), and every upgrade is admitted (or refused with a plain HTTP answer in
 * the error format) before the WebSocket handshake completes.
 */
import * as http from 'http';
import type { Duplex } from 'stream';
import { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { errorBody } from '@platform/contracts';
import { logger } from '@platform/runtime';
import { mapError } from '../http/error-mapping';
import { requestIdFrom } from '../http/request-context';

export const ADMISSION = Symbol('stream-admission');

export type Admit = (request: http.IncomingMessage) => Promise<unknown>;

/** ws's handshake refusals (wrong method, bad Upgrade, Sec-WebSocket-Key/Version/Protocol/Extensions). */
function handshakeRefusal(message: string): { status: number; errorCode: string; message: string } {
  if (/method/i.test(message))
    return { status: 405, errorCode: 'METHOD_NOT_ALLOWED', message: 'a WebSocket handshake must be a GET request' };
  return { status: 400, errorCode: 'INVALID_WEBSOCKET_HANDSHAKE', message: `invalid WebSocket handshake: ${message.slice(0, 100)}` };
}

export class StreamWsAdapter extends WsAdapter {
  /** The request id given to each upgrade, so ws's own refusals carry the same one. */
  private readonly requestIds = new WeakMap<http.IncomingMessage, string>();
  private readonly watched = new WeakSet<object>();

  constructor(
    app: INestApplicationContext,
    private readonly admit: Admit,
  ) {
    super(app);
  }

  /** Handshake errors ws finds after admission answer in the error format, not ws's plain text. */
  private watchHandshakeErrors(server: {
    on(event: 'wsClientError', listener: (error: Error, socket: Duplex, request: http.IncomingMessage) => void): unknown;
  }): void {
    if (this.watched.has(server)) return;
    this.watched.add(server);
    server.on('wsClientError', (error, socket, request) => {
      const refusal = handshakeRefusal(error.message);
      refuse(socket, refusal.status, refusal, this.requestIds.get(request) ?? requestIdFrom(undefined));
    });
  }

  protected override ensureHttpServerExists(port: number, httpServer = http.createServer()): http.Server | undefined {
    if (this.httpServersRegistry.has(port)) return undefined;
    this.httpServersRegistry.set(port, httpServer);
    httpServer.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.upgrade(port, request, socket, head);
    });
    return httpServer;
  }

  private async upgrade(port: number, request: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const requestId = requestIdFrom(request.headers['x-request-id']);
    const pathname = (request.url ?? '/').split('?')[0];
    const server = (this.wsServersRegistry.get(port) ?? []).find(
      (s: { path: string }) => pathname === s.path || pathname.startsWith(`${s.path}/`),
    );
    if (!server) {
      refuse(socket, 404, { errorCode: 'NOT_FOUND', message: 'no WebSocket endpoint at this path' }, requestId);
      return;
    }
    try {
      (request as unknown as Record<symbol, unknown>)[ADMISSION] = await this.admit(request);
    } catch (error) {
      const mapped = mapError(error);
      if (mapped.status >= 500 && mapped.errorCode === 'INTERNAL_ERROR')
        logger().error({ err: error, request_id: requestId }, 'stream admission failed');
      refuse(socket, mapped.status, mapped, requestId, mapped.retryAfterSeconds);
      return;
    }
    if (socket.destroyed) return;
    this.requestIds.set(request, requestId);
    this.watchHandshakeErrors(server);
    server.handleUpgrade(request, socket, head, (ws: unknown) => server.emit('connection', ws, request));
  }
}

function refuse(
  socket: Duplex,
  status: number,
  error: { errorCode: string; message: string; details?: Record<string, unknown> | null },
  requestId: string,
  retryAfterSeconds?: number,
): void {
  if (socket.destroyed) return;
  const body = JSON.stringify(errorBody(error, requestId));
  const headers = [
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `x-request-id: ${requestId}`,
    ...(retryAfterSeconds ? [`Retry-After: ${Math.max(1, Math.ceil(retryAfterSeconds))}`] : []),
    'Connection: close',
  ];
  socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
}
