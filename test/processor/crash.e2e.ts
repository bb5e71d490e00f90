/**
 * kill -9 at random moments: the processor runs as a child process and is SIGKILLed three times
 * while tens of thousands of events (duplicates, disorder within the bound, rule-breaking records)
 * stream in, and restarted each time. At the end the committed aggregates equal the offline
 * computation to the last count and sum, and each invalid record is in the DLQ.
 */
import { DlqRecord } from '@platform/contracts';
import { eventually } from '@test/support';
import { ProcessorChild } from './child';
import { aggregateCollector, compare, dlqCollector, flushItems, framedItems, latestAggregates, oracle, produce, setUp, Setup, TestEvent, validEvent } from './harness';

jest.setTimeout(180_000);

function invalidEvent(n: number, t: number): TestEvent {
  const e = validEvent(n, t);
  if (e.event_type === 'transaction') e.payload = { ...e.payload, ...(n % 2 ? { amount: -1 } : { symbol: 'NOPE' }) };
  else if (e.event_type === 'iot.sensor') e.payload = { ...e.payload, temperature: 500 };
  else e.payload = { ...e.payload, duration_ms: -10 };
  return e;
}

describe('processor under kill -9 (child process, real broker)', () => {
  let setup: Setup;
  let child: ProcessorChild | undefined;

  afterAll(async () => {
    await child?.kill('SIGKILL');
    await setup?.close();
  });

  it('ends with exactly the offline aggregates and each invalid record in the DLQ exactly once', async () => {
    setup = await setUp('processor-crash');
    const env = { ...setup.env, PROCESSOR_KAFKA_SESSION_TIMEOUT: '6s', PROCESSOR_MAX_BATCH: '2000' };
    const T0 = Math.floor((Date.now() - 8 * 3600_000) / 3600_000) * 3600_000;
    const total = 24_000;
    const valid: TestEvent[] = [];
    const invalid: TestEvent[] = [];
    const stream: TestEvent[] = [];
    for (let n = 0; n < total; n++) {
      // Disorder within the 5 s bound: up to 3 s of jitter on a 150 ms step.
      const t = T0 + n * 150 + ((n * 7919) % 3000);
      if (n % 199 === 0) {
        const bad = invalidEvent(n, t);
        invalid.push(bad);
        stream.push(bad);
        continue;
      }
      const e = validEvent(n, t, 50);
      valid.push(e);
      stream.push(e);
      if (n % 47 === 0) stream.push(e); // a redelivered copy
    }

    const aggregates = await aggregateCollector(setup).start();
    const dlq = await dlqCollector(setup.kafka, setup.pipeline.topics.dlq.name).start();
    try {
      child = new ProcessorChild(env);
      await child.start();
      const chunk = 1000;
      const producing = (async () => {
        for (let i = 0; i < stream.length; i += chunk) {
          await produce(setup, framedItems(setup, stream.slice(i, i + chunk)));
          await new Promise((r) => setTimeout(r, 300));
        }
      })();
      for (let kill = 0; kill < 3; kill++) {
        await new Promise((r) => setTimeout(r, 1000 + Math.random() * 3000));
        await child.kill('SIGKILL');
        child = new ProcessorChild(env);
        await child.start();
      }
      await producing;
      await produce(setup, flushItems(setup, T0 + 3 * 3600_000));

      const expected = oracle(setup.pipeline, valid);
      const before = T0 + 2 * 3600_000;
      await eventually(async () => compare(latestAggregates(aggregates.records, before), expected).length === 0, 'aggregates equal to the offline computation', 120_000, 500).catch((error) => {
        const problems = compare(latestAggregates(aggregates.records, before), expected);
        throw new Error(`${error.message}\n${problems.slice(0, 20).join('\n')} (${problems.length} problems)`);
      });
      await eventually(async () => dlq.records.length >= invalid.length, 'every invalid record in the DLQ', 30_000);
      // Each invalid record exactly once: the transactions the kills aborted left DLQ records in
      // the log, and a read-committed reader must not see them.
      const records = dlq.records as DlqRecord[];
      expect(records.map((r) => r.event_id).sort()).toEqual(invalid.map((e) => e.event_id).sort());
      expect(new Set(records.map((r) => `${r.source_topic}/${r.source_partition}/${r.source_offset}`)).size).toBe(invalid.length);
      expect((dlq.records as DlqRecord[]).every((r) => r.error_type === 'BUSINESS_RULE')).toBe(true);
      expect(expected.size).toBeGreaterThan(1000);
    } finally {
      await aggregates.stop();
      await dlq.stop();
    }
  });
});
