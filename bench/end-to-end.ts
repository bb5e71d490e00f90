/**
 * End-to-end latency: from the start of a POST to the event's row being visible in the warehouse
 * (raw.events, PostgreSQL), through the ingest API, Kafka and the sink, on a private copy of the
 * platform. Single events at a steady rate; three runs; medians of the per-run percentiles.
 *   node -r ./scripts/register.js bench/end-to-end.ts [--seconds 20 --rate 50]
 * Writes docs/benchmarks/end-to-end.{md,json}.
 */
import { randomUUID } from 'crypto';
import { mkdirSync, rmSync, writeFileSync } from 'fs';
import { resolve } from 'path';
import { Client } from 'pg';
import { PrivatePlatform } from '../test/support/platform';
import { median, option, percentile, root, round } from './support';

const seconds = option('seconds', 20);
const rate = option('rate', 50);
const runs = option('runs', 3);
const flushInterval = '200ms';


async function measure(platform: PrivatePlatform, pg: Client, token: string): Promise<{ latencies: number[]; lost: number }> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let sending = true;
  let deadline = Infinity;
  const poller = (async () => {
    while (sending || sentAt.size > 0) {
      const ids = [...sentAt.keys()];
      if (ids.length > 0) {
        const { rows } = await pg.query('SELECT event_id FROM raw.events WHERE event_id = ANY($1)', [ids]);
        const now = performance.now();
        for (const { event_id } of rows) {
          latencies.push(now - sentAt.get(event_id)!);
          sentAt.delete(event_id);
        }
      }
      if (!sending && Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const started = Date.now();
  const posts: Promise<void>[] = [];
  for (let i = 0; Date.now() - started < seconds * 1000; i++) {
    const id = randomUUID();
    const t0 = performance.now();
    const body = { event_id: id, timestamp: Date.now(), event_type: 'transaction', user_id: `u${i % 50}`, payload: { symbol: 'AAPL', side: 'BUY', quantity: 1, amount: 10, currency: 'USD' } };
    posts.push(
      fetch(`${platform.apiUrl}/api/v1/events/${platform.pipeline.eventTypes.find((t) => t.name === 'transaction')!.topic}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      }).then(async (response) => {
        await response.text();
        if (response.ok) sentAt.set(id, t0);
      }),
    );
    const wait = started + ((i + 1) * 1000) / rate - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await Promise.all(posts);
  sending = false;
  deadline = Date.now() + 30_000;
  await poller;
  return { latencies: latencies.sort((a, b) => a - b), lost: sentAt.size };
}

async function main(): Promise<void> {
  const platform = new PrivatePlatform({ basePort: 21000, sinkEnv: { SINK_FLUSH_INTERVAL: flushInterval } });
  let ok = false;
  try {
    await platform.start();
    const pg = new Client(platform.warehouseConnection);
    await pg.connect();
    const token = platform.token();
    await measure(platform, pg, token).catch(() => undefined); // warm-up: connections, JIT, tables
    const results = [];
    for (let run = 0; run < runs; run++) {
      const { latencies, lost } = await measure(platform, pg, token);
      results.push({ events: latencies.length, lost, p50: round(percentile(latencies, 50)), p95: round(percentile(latencies, 95)), p99: round(percentile(latencies, 99)) });
      console.log(`end-to-end run ${run + 1}: ${JSON.stringify(results[run])}`);
    }
    await pg.end();
    const summary = { rate, seconds, runs, sink_flush_interval: flushInterval, p50_ms: median(results.map((r) => r.p50)), p95_ms: median(results.map((r) => r.p95)), p99_ms: median(results.map((r) => r.p99)), lost: results.reduce((n, r) => n + r.lost, 0), results };
    mkdirSync(resolve(root, 'docs/benchmarks'), { recursive: true });
    writeFileSync(resolve(root, 'docs/benchmarks/end-to-end.json'), JSON.stringify(summary, null, 2) + '\n');
    writeFileSync(
      resolve(root, 'docs/benchmarks/end-to-end.md'),
      `## End to end: POST to warehouse row (\`node -r ./scripts/register.js bench/end-to-end.ts\`)

Single events POSTed at ${rate}/s for ${seconds} s, ${runs} runs, on a private copy of the platform (its own broker,
registry, ingest API, processor and sink into PostgreSQL). Latency runs from the start of the POST to the row being
visible in \`raw.events\` (polled every 10 ms); the sink flushes every ${flushInterval} (\`SINK_FLUSH_INTERVAL\`), which
bounds how fresh the warehouse can be.

| | p50 | p95 | p99 |
|---|---|---|---|
| median of ${runs} runs (ms) | ${summary.p50_ms} | ${summary.p95_ms} | ${summary.p99_ms} |
${results.map((r, i) => `| run ${i + 1} (${r.events} events) | ${r.p50} | ${r.p95} | ${r.p99} |`).join('\n')}

Events acknowledged but not seen in the warehouse within 30 s: ${summary.lost}.
`,
    );
    ok = summary.lost === 0;
    console.log(`end-to-end: p50 ${summary.p50_ms} ms, p95 ${summary.p95_ms} ms, p99 ${summary.p99_ms} ms (median of ${runs} runs)`);
  } finally {
    await platform.stop(true);
    rmSync(platform.workDir, { recursive: true, force: true });
  }
  process.exit(ok ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
