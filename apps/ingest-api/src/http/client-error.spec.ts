import type { Socket } from 'net';
import type { ServerResponse } from 'http';
import { clientErrorResponse, handleClientError, handleFrameworkError } from './client-error';

/** A fake socket: records what the handler writes and whether it closes or destroys. */
function fakeSocket(state: { writable?: boolean; headersSent?: boolean; inFlight?: boolean } = {}) {
  const calls: string[] = [];
  let written = '';
  const socket = {
    writable: state.writable ?? true,
    _httpMessage: state.inFlight ? { headersSent: state.headersSent ?? false } : null,
    end: (text: string) => {
      written += text;
      calls.push('end');
    },
    destroy: () => calls.push('destroy'),
  };
  return { socket: socket as unknown as Socket, calls, written: () => written };
}

const timeout = Object.assign(new Error('timed out'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' });

describe('handleClientError (fake socket)', () => {
  it('answers 408 in the error format and closes when no answer has begun', () => {
    const s = fakeSocket();
    handleClientError(timeout, s.socket);
    expect(s.calls).toEqual(['end']);
    expect(s.written()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(s.written()).toContain('"error_code":"REQUEST_TIMEOUT"');
  });

  it('answers when a response object exists but has sent nothing yet', () => {
    const s = fakeSocket({ inFlight: true, headersSent: false });
    handleClientError(timeout, s.socket);
    expect(s.calls).toEqual(['end']);
  });

  it('writes no second status line once a response has begun: it closes the connection instead', () => {
    const s = fakeSocket({ inFlight: true, headersSent: true });
    handleClientError(timeout, s.socket);
    expect(s.calls).toEqual(['destroy']);
    expect(s.written()).toBe('');
  });

  it('writes nothing to a socket that is no longer writable or was reset', () => {
    const closed = fakeSocket({ writable: false });
    handleClientError(timeout, closed.socket);
    expect(closed.calls).toEqual(['destroy']);
    const reset = fakeSocket();
    handleClientError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), reset.socket);
    expect(reset.calls).toEqual(['destroy']);
  });
});

describe('clientErrorResponse', () => {
  it.each([
    ['HPE_HEADER_OVERFLOW', 431, 'HEADERS_TOO_LARGE'],
    ['ERR_HTTP_HEADERS_TIMEOUT', 408, 'REQUEST_TIMEOUT'],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'REQUEST_TIMEOUT'],
    ['HPE_INVALID_METHOD', 400, 'BAD_REQUEST'],
  ])('%s is %i %s, with a matching content-length and connection: close', (code, status, errorCode) => {
    const text = clientErrorResponse({ code });
    const [head, body] = text.split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(head).toContain('connection: close');
    expect(head).toContain(`content-length: ${Buffer.byteLength(body)}`);
    expect(JSON.parse(body)).toMatchObject({ error_code: errorCode });
  });
});

describe('handleFrameworkError (fake raw response)', () => {
  it("answers a router refusal in the error format with the API's security headers and the request id", () => {
    let status = 0;
    let headers: Record<string, string | number> = {};
    let body = '';
    const raw = {
      writeHead: (code: number, values: Record<string, string | number>) => {
        status = code;
        headers = values;
      },
      end: (text: string) => {
        body = text;
      },
    };
    const error = Object.assign(new Error('param too long'), { code: 'FST_ERR_MAX_PARAM_LENGTH', statusCode: 414 });
    handleFrameworkError(error, { id: 'req-7' }, { raw: raw as unknown as ServerResponse });
    expect(status).toBe(414);
    expect(headers).toEqual({
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'x-request-id': 'req-7',
    });
    expect(JSON.parse(body)).toMatchObject({ error_code: 'URI_TOO_LONG', request_id: 'req-7' });
  });
});
