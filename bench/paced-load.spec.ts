import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import { AddressInfo } from 'net';
import { pacedLoad } from './paced-load';

describe('pacedLoad against a local HTTP server', () => {
  let server: Server;
  let url: string;
  let handler: (request: IncomingMessage, response: ServerResponse) => void;

  beforeAll(async () => {
    server = createServer((request, response) => handler(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends the asked number of requests at the asked rate, spread over the period rather than in a burst', async () => {
    const arrivals: number[] = [];
    handler = (_request, response) => {
      arrivals.push(performance.now());
      response.end('ok');
    };
    const result = await pacedLoad({ url, rate: 200, seconds: 1, connections: 4, request: (n) => ({ path: `/x/${n}` }) });
    expect(result).toMatchObject({ sent: 200, ok: 200, non2xx: 0, errors: 0 });
    // Evenly spaced: the first half of the requests arrive in the first half of the second, not at once.
    const spread = arrivals[arrivals.length - 1] - arrivals[0];
    expect(spread).toBeGreaterThan(700);
    expect(arrivals[100] - arrivals[0]).toBeGreaterThan(300);
  });

  it('measures each latency from its scheduled time, so a stalled server shows in the latencies (open loop)', async () => {
    let first = true;
    handler = (_request, response) => {
      if (first) {
        first = false;
        setTimeout(() => response.end('late'), 300);
      } else response.end('ok');
    };
    // One connection: requests scheduled while the first is held wait for it.
    const result = await pacedLoad({ url, rate: 100, seconds: 0.5, connections: 1, request: () => ({ path: '/' }) });
    expect(result.ok).toBe(50);
    expect(result.max).toBeGreaterThanOrEqual(295);
    // About 30 of the 50 were scheduled during the stall; measured from their send time, they would all look fast.
    expect(result.p90).toBeGreaterThanOrEqual(100);
  });

  it('counts non-2xx answers and failed requests apart from the latencies', async () => {
    handler = (request, response) => {
      if (request.url === '/bad') response.writeHead(503).end();
      else if (request.url === '/drop') request.socket.destroy();
      else response.end('ok');
    };
    const paths = ['/ok', '/bad', '/drop'];
    const result = await pacedLoad({ url, rate: 300, seconds: 0.1, connections: 2, request: (n) => ({ method: 'POST', path: paths[n % 3], body: '{}' }) });
    expect(result).toMatchObject({ sent: 30, ok: 10, non2xx: 10, errors: 10 });
  });
});
