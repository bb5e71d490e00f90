/**
 * Refusals the framework makes before any route runs still answer in the error format with a
 * request id, and never echo the request back: an over-long path segment, malformed
 * percent-encoding, and WebSocket handshakes that pass the token check but are not valid handshakes.
 */
import * as http from 'http';
import { connect } from 'net';
import { clickEvent, expectErrorFormat, startTestApi, TestApi, token } from './support';

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One raw HTTP/1.1 request (fetch would normalise the URL and refuse Upgrade headers). */
function raw(url: string, method: string, path: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const request = http.request({ hostname, port, method, path, headers });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    // A refused upgrade can also arrive as an 'upgrade' event-less response; errors fail the test.
    request.on('error', reject);
    request.end();
  });
}

function expectFormatted(answer: RawAnswer, status: number, errorCode: string, mustNotContain: string): void {
  expect({ status: answer.status, type: answer.headers['content-type'] }).toEqual({ status, type: 'application/json; charset=utf-8' });
  const body = JSON.parse(answer.text);
  expectErrorFormat(body);
  expect(body.error_code).toBe(errorCode);
  expect(answer.headers['x-request-id']).toBe(body.request_id);
  expect(answer.text).not.toContain(mustNotContain);
}

describe('ingest API: framework-level refusals in the error format', () => {
  let t: TestApi;

  beforeAll(async () => {
    t = await startTestApi();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('answers a path segment over 100 characters with 414 in the error format, without echoing the URL', async () => {
    const segment = `evil${'x'.repeat(120)}`;
    const answer = await raw(t.url, 'GET', `/api/v1/events/${segment}/latest`, { authorization: `Bearer ${token()}` });
    expectFormatted(answer, 414, 'URI_TOO_LONG', segment);
  });

  it('answers malformed percent-encoding with 400 in the error format, without echoing the URL', async () => {
    const answer = await raw(t.url, 'GET', '/api/v1/events/%E0%A4%A/latest-marker', { authorization: `Bearer ${token()}` });
    expectFormatted(answer, 400, 'BAD_REQUEST', 'latest-marker');
  });

  describe('WebSocket handshakes refused after the token check', () => {
    const path = () => `/api/v1/stream/${t.topic('clickstream')}?access_token=${token(['events:read:*'])}`;
    const upgrade = (extra: Record<string, string>) => ({
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      ...extra,
    });

    it.each([
      ['an unsupported Sec-WebSocket-Version', 'GET', { 'sec-websocket-version': '99' }, 400, 'INVALID_WEBSOCKET_HANDSHAKE'],
      ['a malformed Sec-WebSocket-Key', 'GET', { 'sec-websocket-key': 'not-a-key-marker' }, 400, 'INVALID_WEBSOCKET_HANDSHAKE'],
      ['a wrong method', 'POST', {}, 405, 'METHOD_NOT_ALLOWED'],
    ] as const)('%s', async (_name, method, extra, status, code) => {
      const answer = await raw(t.url, method, path(), upgrade(extra));
      expectFormatted(answer, status, code, 'marker');
    });
  });
});

describe('ingest API: security headers', () => {
  let t: TestApi;

  beforeAll(async () => {
    t = await startTestApi();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('sends the usual security headers, and no-store on answers to requests with credentials', async () => {
    const publish = (authorization: string) =>
      fetch(`${t.url}/api/v1/events/${t.topic('clickstream')}`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(clickEvent()) });
    const authenticated = await publish(`Bearer ${token()}`);
    const refused = await publish('Bearer nope');
    for (const answer of [authenticated, refused]) {
      expect({
        nosniff: answer.headers.get('x-content-type-options'),
        frame: answer.headers.get('x-frame-options'),
        cache: answer.headers.get('cache-control'),
        csp: answer.headers.get('content-security-policy'),
      }).toEqual({ nosniff: 'nosniff', frame: 'DENY', cache: 'no-store', csp: expect.stringContaining("frame-ancestors 'none'") });
      await answer.arrayBuffer();
    }
    expect(authenticated.status).toBe(201);
    expect(refused.status).toBe(401);
  });

  it("answers the API with the API's set (no-store even without credentials, nothing loaded or framed) and the pages with helmet's", async () => {
    const health = await fetch(`${t.url}/api/v1/health/live`);
    await health.arrayBuffer();
    expect({
      cache: health.headers.get('cache-control'),
      csp: health.headers.get('content-security-policy'),
      hsts: health.headers.get('strict-transport-security'),
      referrer: health.headers.get('referrer-policy'),
    }).toEqual({ cache: 'no-store', csp: "default-src 'none'; frame-ancestors 'none'", hsts: expect.stringContaining('max-age='), referrer: null });
    const page = await fetch(`${t.url}/docs`);
    await page.arrayBuffer();
    expect({ referrer: page.headers.get('referrer-policy'), frame: page.headers.get('x-frame-options'), cache: page.headers.get('cache-control') }).toEqual({
      referrer: 'no-referrer',
      frame: 'DENY',
      cache: null,
    });
  });

  it('keeps the OpenAPI page working under its CSP: no inline script, every script and style served from the same origin', async () => {
    const page = await fetch(`${t.url}/docs`);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toMatch(/upgrade-insecure-requests/);
    const html = await page.text();
    expect(html).not.toMatch(/<script>(?!<)/);
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(sources.length).toBeGreaterThanOrEqual(4);
    for (const source of sources) {
      expect(source.startsWith('/docs/')).toBe(true);
      expect({ source, status: (await fetch(`${t.url}${source}`)).status }).toEqual({ source, status: 200 });
    }
  });
});

describe('ingest API: server timeouts', () => {
  let t: TestApi;

  beforeAll(async () => {
    t = await startTestApi({ env: { HTTP_HEADERS_TIMEOUT: '1s', HTTP_REQUEST_TIMEOUT: '2s' } });
  });

  afterAll(async () => {
    await t?.close();
  });

  /** Opens a connection, lets `feed` write to it, and resolves with what the server sent and when it closed. */
  function stalled(feed: (write: (text: string) => void) => void): Promise<{ closedAfterMs: number; text: string }> {
    const { hostname, port } = new URL(t.url);
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const socket = connect(Number(port), hostname);
      const chunks: Buffer[] = [];
      socket.on('connect', () => feed((text) => socket.write(text)));
      socket.on('data', (chunk) => chunks.push(chunk));
      socket.on('error', reject);
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ closedAfterMs: Date.now() - started, text: Buffer.concat(chunks).toString('utf8') });
      });
      // The test's own bound: a server that never cuts the client off fails here.
      const timer = setInterval(() => {
        if (Date.now() - started > 20_000) socket.destroy(new Error('the server did not cut the stalled client off within 20 s'));
      }, 500);
    });
  }

  it('cuts off a client that announces a body and never sends it, in seconds, with 408 in the error format', async () => {
    const answer = await stalled((write) =>
      write(`POST /api/v1/events/${t.topic('clickstream')} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nAuthorization: Bearer ${token()}\r\n\r\n{"event_id":`),
    );
    expect(answer.closedAfterMs).toBeLessThan(8_000);
    expect(answer.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(JSON.parse(answer.text.slice(answer.text.indexOf('\r\n\r\n') + 4))).toMatchObject({ error_code: 'REQUEST_TIMEOUT' });
  });

  it('answers a request once: a body refused by its announced length gets its 413 and no later 408 for the bytes never sent', async () => {
    const answer = await stalled((write) =>
      write(`POST /api/v1/events/${t.topic('clickstream')} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\nAuthorization: Bearer ${token()}\r\n\r\n{"event_id":`),
    );
    expect(answer.text).toMatch(/^HTTP\/1\.1 413 /);
    // A second status line would be read by the client as the answer to its next request.
    expect(answer.text.match(/HTTP\/1\.1 \d{3} /g)).toHaveLength(1);
  });

  it('cuts off a client that trickles its headers, in seconds', async () => {
    let interval: NodeJS.Timeout | undefined;
    const answer = await stalled((write) => {
      write('GET /api/v1/health/live HTTP/1.1\r\nHost: x\r\n');
      let n = 0;
      interval = setInterval(() => write(`X-Trickle-${n++}: y\r\n`), 300);
    });
    clearInterval(interval);
    expect(answer.closedAfterMs).toBeLessThan(8_000);
    expect(answer.text).toMatch(/^HTTP\/1\.1 408 /);
  });
});
