/**
 * Engine-only throughput: the pipeline's five window definitions, synthetic clickstream events in
 * batches, as the processor would feed them. Prints one JSON line (events/s with and without the
 * JSON encoding of the changelog mutations). Run: npx tsx libs/windowing/bench/engine-throughput.ts [events] [users]
 */
import { WindowEvent, WindowingEngine } from '../src';
import { PIPELINE_WINDOWING } from '../src/pipeline-windows.fixture';

const events = Number(process.argv[2] ?? 1_000_000);
const users = Number(process.argv[3] ?? 10_000);
const batchSize = 1_000;

const engine = new WindowingEngine({
  ...PIPELINE_WINDOWING,
  eventTypes: [{ name: 'clickstream', valueField: 'duration_ms', groupBy: 'page' }],
});

// Deterministic input: 10 events per ms of event time, up to 3 s out of order, 6 partitions.
let seed = 1;
const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const base = Date.UTC(2024, 0, 1);
const batches: WindowEvent[][] = [];
for (let i = 0; i < events; i += batchSize) {
  const batch: WindowEvent[] = [];
  for (let j = i; j < Math.min(events, i + batchSize); j++) {
    batch.push({
      eventId: `e${j}`,
      eventType: 'clickstream',
      timestamp: base + Math.floor(j / 10) - Math.floor(rnd() * 3000),
      userId: `u${Math.floor(rnd() * users)}`,
      partition: `events.clickstream-${j % 6}`,
      payload: { page: `/p${Math.floor(rnd() * 50)}`, duration_ms: Math.floor(rnd() * 1000) },
    });
  }
  batches.push(batch);
}

let results = 0;
let mutations = 0;
let bytes = 0;
let engineNs = 0n;
let encodeNs = 0n;
batches.forEach((batch, i) => {
  const t0 = process.hrtime.bigint();
  const out = engine.processBatch(batch, i);
  const t1 = process.hrtime.bigint();
  for (const m of out.mutations) bytes += m.key.length + (m.value === null ? 0 : JSON.stringify(m.value).length);
  encodeNs += process.hrtime.bigint() - t1;
  engineNs += t1 - t0;
  results += out.results.length;
  mutations += out.mutations.length;
});
const s = (ns: bigint) => Number(ns) / 1e9;
console.log(
  JSON.stringify({
    events,
    users,
    engineEventsPerSec: Math.round(events / s(engineNs)),
    withMutationEncodingPerSec: Math.round(events / s(engineNs + encodeNs)),
    results,
    mutationsPerEvent: +(mutations / events).toFixed(2),
    changelogBytesPerEvent: Math.round(bytes / events),
    rssMB: Math.round(process.memoryUsage().rss / 1e6),
    ...engine.stats(),
  }),
);
