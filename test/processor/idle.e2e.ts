/**
 * A quiet source partition does not hold windows back beyond the idle timeout: with one partition
 * of one event topic never receiving anything, the others' windows still close once it has been
 * idle for the (here shortened) timeout of processing time.
 */
import { eventually } from '@test/support';
import { ProcessorHandle, startProcessor } from '../../apps/processor/src/bootstrap';
import { aggregateCollector, encode, keyOf, latestAggregates, MIN, produce, setUp, Setup, topicOf, validEvent } from './harness';

describe('idle source partitions (in-process, real broker)', () => {
  let setup: Setup;
  let processor: ProcessorHandle | undefined;

  afterAll(async () => {
    await processor?.stop();
    await setup?.close();
  });

  it('releases the watermark after the idle timeout', async () => {
    const idleMs = 3000;
    setup = await setUp('processor-idle', (doc) => {
      doc.watermark.idle_timeout = `${idleMs}ms`;
    });
    const topic = topicOf(setup.pipeline, 'clickstream');
    const T0 = Math.floor((Date.now() - 3600_000) / MIN) * MIN;
    // Only partition 0 of the clickstream topic gets events; every other source stays quiet.
    const items = Array.from({ length: 30 }, (_, i) => {
      const e = validEvent(1 + 3 * i, T0 + i * 10_000);
      return { topic, key: keyOf(e), value: encode(setup, e), partition: 0 };
    });
    await produce(setup, items);
    const aggregates = await aggregateCollector(setup).start();
    try {
      const started = Date.now();
      processor = await startProcessor({ config: setup.config, pipeline: setup.pipeline });
      // Events reach T0 + 290 s, so with the others idle the watermark passes T0 + 285 s: the first
      // four 1 minute windows close. Without idleness nothing would ever close.
      const closed = await eventually(
        async () => {
          const rows = [...latestAggregates(aggregates.records, Number.MAX_SAFE_INTEGER).values()].filter((r) => r.window_name === 'tumbling_1m');
          return rows.length > 0 ? rows : undefined;
        },
        'a 1 minute window closed while other sources are quiet',
        30_000,
      );
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(idleMs - 500);
      expect(elapsed).toBeLessThan(idleMs + 25_000);
      expect(closed.every((r) => r.window_end <= T0 + 290_000 - 5_000)).toBe(true);
      expect(closed.reduce((n, r) => n + r.count, 0)).toBeGreaterThan(0);
    } finally {
      await aggregates.stop();
    }
  });
});
