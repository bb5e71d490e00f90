/**
 * Two processor instances share the work; the second joins halfway through the stream, so tasks
 * move between instances mid-stream (state follows them through the changelog). Nothing is lost
 * and nothing is counted twice: the aggregates equal the offline computation exactly.
 */
import { eventually } from '@test/support';
import { ProcessorHandle, startProcessor } from '../../apps/processor/src/bootstrap';
import { loadProcessorConfig } from '../../apps/processor/src/config';
import { aggregateCollector, compare, flushItems, framedItems, latestAggregates, oracle, produce, setUp, Setup, TestEvent, validEvent } from './harness';

describe('two processor instances with a rebalance mid-stream (in-process, real broker)', () => {
  let setup: Setup;
  const instances: ProcessorHandle[] = [];

  afterAll(async () => {
    await Promise.all(instances.map((p) => p.stop()));
    await setup?.close();
  });

  it('counts every event exactly once', async () => {
    setup = await setUp('processor-rebalance');
    const env = { ...setup.env, PROCESSOR_KAFKA_SESSION_TIMEOUT: '10s', PROCESSOR_MAX_BATCH: '500' };
    const T0 = Math.floor((Date.now() - 8 * 3600_000) / 3600_000) * 3600_000;
    const events: TestEvent[] = [];
    for (let n = 0; n < 12_000; n++) events.push(validEvent(n, T0 + n * 200 + ((n * 7919) % 2000), 40));
    const aggregates = await aggregateCollector(setup).start();
    try {
      instances.push(await startProcessor({ config: loadProcessorConfig({ ...env, PROCESSOR_INSTANCE_ID: 'one' }), pipeline: setup.pipeline }));
      const half = events.length / 2;
      for (let i = 0; i < half; i += 1000) await produce(setup, framedItems(setup, events.slice(i, i + 1000)));
      instances.push(await startProcessor({ config: loadProcessorConfig({ ...env, PROCESSOR_INSTANCE_ID: 'two' }), pipeline: setup.pipeline }));
      for (let i = half; i < events.length; i += 1000) await produce(setup, framedItems(setup, events.slice(i, i + 1000)));
      await produce(setup, flushItems(setup, T0 + 3 * 3600_000));

      const expected = oracle(setup.pipeline, events);
      const before = T0 + 2 * 3600_000;
      await eventually(async () => compare(latestAggregates(aggregates.records, before), expected).length === 0, 'aggregates equal to the offline computation', 90_000, 500).catch((error) => {
        const problems = compare(latestAggregates(aggregates.records, before), expected);
        throw new Error(`${error.message}\n${problems.slice(0, 20).join('\n')} (${problems.length} problems)`);
      });
      // Both instances did window work after the rebalance.
      expect(instances.every((p) => (p.stageB?.openTasks().length ?? 0) > 0)).toBe(true);
    } finally {
      await aggregates.stop();
    }
  });
});
