/**
 * WebSocket fan-out: 1,000 subscribers on one topic of an ingest API process, events POSTed in batches
 * with their send time as event time; latency = delivery time - send time (publish through Kafka, the
 * API's one consumer per topic, and the socket). Two scenarios, three runs each, medians:
 *   - keyed: every subscriber filters by its own key (device_id); 5,000 events/s, so each event has
 *     one subscriber (5,000 deliveries/s).
 *   - broadcast: no filter; every event goes to all 1,000 subscribers, at 50 events/s (50,000
 *     deliveries/s).
 * The subscribers, the publisher, the API and the broker share the machine's two cores.
 *   node -r ./scripts/register.js bench/websocket.ts [--seconds 10 --runs 3]
 * Writes docs/benchmarks/websocket.{md,json}. Needs the broker and the registry.
 */
import { randomUUID } from 'crypto';
import { mkdirSync, writeFileSync } from 'fs';
import { resolve } from 'path';
import WebSocket from 'ws';
import { loadPipelineConfig } from '@platform/runtime';
import { tempDir, uniqueName, writeTestPipeline } from '@test/support';
import { median, option, percentile, root, startBenchApi } from './support';

const seconds = option('seconds', 10);
const runs = option('runs', 3);
const subscribers = option('subscribers', 1000);
const port = option('port', 3910);

interface Scenario {
  name: 'keyed' | 'broadcast';
  rate: number;
}

async function openSockets(url: (i: number) => string, onEvent: (sentAt: number) => void): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  const ready: Promise<void>[] = [];
  for (let i = 0; i < subscribers; i++) {
    const socket = new WebSocket(url(i));
    ready.push(
      new Promise<void>((done, fail) => {
        socket.once('error', fail);
        socket.on('message', (data) => {
          const message = JSON.parse(data.toString());
          if (message.type === 'subscribed') done();
          else if (message.type === 'event') onEvent(Number(message.event.timestamp));
        });
      }),
    );
    sockets.push(socket);
    if (i % 100 === 99) await Promise.all(ready.slice(-100));
  }
  await Promise.all(ready);
  return sockets;
}

async function measure(
  scenario: Scenario,
  apiUrl: string,
  topic: string,
  token: string,
): Promise<{ deliveries: number; expected: number; p50: number; p95: number; p99: number; dropped: number }> {
  const latencies: number[] = [];
  const wsBase = apiUrl.replace('http', 'ws');
  const sockets = await openSockets(
    (i) => `${wsBase}/api/v1/stream/${topic}?access_token=${token}${scenario.name === 'keyed' ? `&key=ws-${i}` : ''}`,
    (sentAt) => latencies.push(Date.now() - sentAt),
  );
  let dropped = 0;
  for (const socket of sockets) socket.on('close', () => dropped++);
  const tickMs = 50;
  const perTick = Math.max(1, Math.round((scenario.rate * tickMs) / 1000));
  let sent = 0;
  let device = 0;
  const started = Date.now();
  const posts: Promise<unknown>[] = [];
  for (let tick = 0; Date.now() - started < seconds * 1000; tick++) {
    const now = Date.now();
    const events = Array.from({ length: perTick }, () => ({
      event_id: randomUUID(),
      timestamp: now,
      event_type: 'iot.sensor',
      device_id: `ws-${device++ % subscribers}`,
      payload: { temperature: 20, humidity: 50, battery: 90, unit: 'C' },
    }));
    sent += events.length;
    posts.push(
      fetch(`${apiUrl}/api/v1/events/${topic}/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ events }),
      }).then((r) => r.text()),
    );
    const wait = started + (tick + 1) * tickMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await Promise.all(posts);
  const expected = scenario.name === 'keyed' ? sent : sent * subscribers;
  const deadline = Date.now() + 15_000;
  while (latencies.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const socket of sockets) socket.terminate();
  const sorted = latencies.sort((a, b) => a - b);
  return {
    deliveries: sorted.length,
    expected,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    dropped,
  };
}

async function main(): Promise<void> {
  const dir = tempDir('bench-ws');
  const suffix = uniqueName('ws').replace(/[^a-z0-9]/gi, '');
  const pipelinePath = writeTestPipeline({ dir, suffix });
  const topic = loadPipelineConfig(pipelinePath).eventTypes.find((t) => t.name === 'iot.sensor')!.topic;
  const api = await startBenchApi(pipelinePath, port, dir);
  const token = api.token('bench-ws');
  const apiUrl = api.url;
  const scenarios: Scenario[] = [
    { name: 'keyed', rate: 5000 },
    { name: 'broadcast', rate: 50 },
  ];
  const results: Record<string, Array<Awaited<ReturnType<typeof measure>>>> = { keyed: [], broadcast: [] };
  try {
    for (let run = 0; run < runs; run++) {
      for (const scenario of scenarios) {
        const result = await measure(scenario, apiUrl, topic, token);
        results[scenario.name].push(result);
        console.log(`websocket ${scenario.name} run ${run + 1}: ${JSON.stringify(result)}`);
      }
    }
  } finally {
    await api.stop();
  }
  const summary = Object.fromEntries(
    scenarios.map((s) => {
      const rs = results[s.name];
      return [
        s.name,
        {
          events_per_s: s.rate,
          subscribers,
          p50_ms: median(rs.map((r) => r.p50)),
          p95_ms: median(rs.map((r) => r.p95)),
          p99_ms: median(rs.map((r) => r.p99)),
          delivered_ratio: median(rs.map((r) => r.deliveries / r.expected)),
          dropped_sockets: rs.reduce((n, r) => n + r.dropped, 0),
          runs: rs,
        },
      ];
    }),
  );
  mkdirSync(resolve(root, 'docs/benchmarks'), { recursive: true });
  writeFileSync(resolve(root, 'docs/benchmarks/websocket.json'), JSON.stringify({ seconds, runs, ...summary }, null, 2) + '\n');
  const line = (name: string) => {
    const s = (summary as any)[name];
    return `| ${name} | ${s.events_per_s} | ${s.events_per_s * (name === 'keyed' ? 1 : subscribers)} | ${s.p50_ms} | ${s.p95_ms} | **${s.p99_ms}** | ${Math.round(s.delivered_ratio * 1000) / 10}% | ${s.dropped_sockets} |`;
  };
  writeFileSync(
    resolve(root, 'docs/benchmarks/websocket.md'),
    `## WebSocket fan-out (\`npm run bench:websocket\`)

${subscribers} subscribers on one topic of one API process, ${seconds} s per run, ${runs} runs, medians. Latency is from the
POST (event time = send time) to delivery on the socket: Kafka write with acks=all, the API's single consumer for
the topic, the fan-out and the socket. Target: p99 under 100 ms at 5,000 events/s.

| scenario | events/s | deliveries/s | p50 ms | p95 ms | p99 ms | delivered | sockets dropped |
|---|---|---|---|---|---|---|---|
${line('keyed')}
${line('broadcast')}

*keyed*: each subscriber filters by its own key, so each event reaches one subscriber. *broadcast*: every event
reaches every subscriber; the rate is lowered to 50 events/s because 5,000 events/s to 1,000 sockets would be
5 million messages a second, beyond what the subscribers' own process can read on this 2-core machine.
`,
  );
  console.log(
    `websocket: keyed p99 ${(summary as any).keyed.p99_ms} ms at 5000 ev/s; broadcast p99 ${(summary as any).broadcast.p99_ms} ms`,
  );
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
