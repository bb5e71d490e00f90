/**
 * A restart with a backlog: while the processor is down, one source partition receives an event
 * far ahead in event time and the others a backlog of ordinary events. When the processor comes
 * back, the other sources have been quiet for longer than the idle timeout, but their records are
 * still on their way (stage A has not consumed them): they must hold the watermark, so the backlog
 * is aggregated, not routed to the late topic because one source got processed first.
 */
import { withAdmin } from '@platform/kafka';
import { eventually } from '@test/support';
import { ProcessorHandle, startProcessor } from '../../apps/processor/src/bootstrap';
import { repartitionTopic, stageGroupId } from '../../apps/processor/src/topology';
import { aggregateCollector, compare, encode, framedItems, keyOf, latestAggregates, MIN, oracle, produce, setUp, Setup, TestEvent, TopicCollector, topicOf, validEvent } from './harness';

describe('processor restart with a backlog (in-process, real broker)', () => {
  let setup: Setup;
  let processor: ProcessorHandle | undefined;

  afterAll(async () => {
    await processor?.stop();
    await setup?.close();
  });

  async function stageBCaughtUp(): Promise<boolean> {
    const topic = repartitionTopic(setup.pipeline);
    return withAdmin(setup.kafka, async (admin) => {
      const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId: stageGroupId(setup.config, 'b'), topics: [topic] })]);
      // The last record of each partition is a transaction marker, which takes an offset.
      return ends.every((e) => BigInt(e.high) - BigInt(committed.partitions.find((p) => p.partition === e.partition)?.offset ?? '0') <= 1n);
    });
  }

  it('aggregates the backlog of quiet sources instead of judging it late', async () => {
    const idleMs = 1000;
    setup = await setUp('processor-backlog', (doc) => {
      doc.watermark.idle_timeout = `${idleMs}ms`;
    });
    const T0 = Math.floor((Date.now() - 6 * 3600_000) / MIN) * MIN;
    const counted: TestEvent[] = [];
    // Every source partition gets an event at T0, so each one has a clock before the restart.
    const warmUp: TestEvent[] = [];
    for (const spec of setup.pipeline.eventTypes) {
      for (let p = 0; p < spec.partitions; p++) {
        const type = spec.name === 'transaction' ? 0 : spec.name === 'clickstream' ? 1 : 2;
        warmUp.push(validEvent(type + 3 * p, T0));
      }
    }
    const late = new TopicCollector(setup.kafka, setup.pipeline.topics.late.name, (v) => v.length);
    const aggregates = await aggregateCollector(setup).start();
    await late.start();
    try {
      processor = await startProcessor({ config: setup.config, pipeline: setup.pipeline });
      const warmItems = warmUp.map((e, i) => {
        const spec = setup.pipeline.eventTypes.find((t) => t.name === e.event_type)!;
        return { topic: spec.topic, key: keyOf(e), value: encode(setup, e), partition: i % spec.partitions };
      });
      await produce(setup, warmItems);
      counted.push(...warmUp);
      await eventually(() => stageBCaughtUp(), 'stage B has processed the warm-up', 60_000, 200);
      await processor.stop();
      processor = undefined;

      // Down: clickstream partition 0 gets one event two hours ahead; every other partition a
      // ten-minute backlog. Then the sources stay quiet for several idle timeouts.
      const clicks = topicOf(setup.pipeline, 'clickstream');
      const ahead = validEvent(1, T0 + 2 * 3600_000);
      await produce(setup, [{ topic: clicks, key: keyOf(ahead), value: encode(setup, ahead), partition: 0 }]);
      const backlog = Array.from({ length: 3000 }, (_, n) => validEvent(n, T0 + 1000 + n * 200));
      await produce(
        setup,
        framedItems(setup, backlog).map((item) => (item.topic === clicks ? { ...item, partition: 1 } : item)),
      );
      counted.push(...backlog);
      await new Promise((r) => setTimeout(r, 3 * idleMs));

      processor = await startProcessor({ config: setup.config, pipeline: setup.pipeline });
      const expected = oracle(setup.pipeline, counted);
      const before = T0 + 30 * MIN;
      await eventually(async () => compare(latestAggregates(aggregates.records, before), expected).length === 0, 'aggregates of the backlog equal to the offline computation', 90_000, 500).catch((error) => {
        const problems = compare(latestAggregates(aggregates.records, before), expected);
        throw new Error(`${error.message} (${late.records.length} records on the late topic)\n${problems.slice(0, 10).join('\n')} (${problems.length} problems)`);
      });
      expect(late.records).toHaveLength(0);
      expect(expected.size).toBeGreaterThan(50);
    } finally {
      await aggregates.stop();
      await late.stop();
    }
  });
});
