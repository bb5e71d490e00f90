/**
 * An open-loop load at a fixed rate: request n is issued at start + n / rate, whatever the answers
 * so far, over a pool of keep-alive connections, and its latency is measured from that scheduled
 * time. A server (or client) that falls behind therefore shows as latency, not as a lower rate (no
 * coordinated omission).
 *
 * autocannon's `overallRate` is not used for this: each connection sends its quota for the second
 * back to back and then idles until the next second, so what it measures is a burst of `connections`
 * concurrent requests once a second, and its coordinated-omission correction assumes a 1 ms interval
 * whatever the rate. autocannon stays the tool for "as fast as it goes".
 */
import { Pool } from 'undici';

export interface PacedRequest {
  method?: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface PacedLoadOptions {
  /** Origin, e.g. http://127.0.0.1:3000. */
  url: string;
  /** Requests per second, evenly spaced. */
  rate: number;
  seconds: number;
  /** Keep-alive connections the requests share (a request waits for a free one, counted in its latency). */
  connections: number;
  /** The n-th request. */
  request: (n: number) => PacedRequest;
}

export interface PacedLoadResult {
  sent: number;
  /** 2xx answers; the latencies are theirs. */
  ok: number;
  non2xx: number;
  errors: number;
  /** 2xx answers per second, from the first scheduled send to the last answer. */
  achievedPerSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export async function pacedLoad(options: PacedLoadOptions): Promise<PacedLoadResult> {
  const total = Math.max(1, Math.round(options.rate * options.seconds));
  const interval = 1000 / options.rate;
  const pool = new Pool(options.url, { connections: options.connections, pipelining: 1, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const latencies = new Float64Array(total);
  let sent = 0;
  let settled = 0;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let lastAnswer = 0;
  const start = performance.now();

  await new Promise<void>((resolve) => {
    const settle = () => {
      settled++;
      lastAnswer = performance.now();
      if (settled === total) resolve();
    };
    const issue = (n: number, scheduled: number) => {
      const { method = 'GET', path, headers, body } = options.request(n);
      pool
        .request({ method, path, headers, body })
        .then(async (answer) => {
          await answer.body.dump();
          if (answer.statusCode >= 200 && answer.statusCode < 300) latencies[ok++] = performance.now() - scheduled;
          else non2xx++;
        })
        .catch(() => void errors++)
        .finally(settle);
    };
    const tick = () => {
      const now = performance.now();
      for (let scheduled = start + sent * interval; sent < total && scheduled <= now; scheduled = start + sent * interval) issue(sent++, scheduled);
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    tick();
  });
  await pool.close();

  const sorted = latencies.subarray(0, ok).sort();
  const at = (p: number) => (ok === 0 ? Number.NaN : round(sorted[Math.min(ok - 1, Math.ceil((p / 100) * ok) - 1)]));
  return {
    sent,
    ok,
    non2xx,
    errors,
    achievedPerSecond: Math.round(ok / ((lastAnswer - start) / 1000)),
    p50: at(50),
    p90: at(90),
    p99: at(99),
    max: ok === 0 ? Number.NaN : round(sorted[ok - 1]),
  };
}

const round = (ms: number) => Math.round(ms * 100) / 100;
