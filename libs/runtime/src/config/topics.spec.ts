import { PipelineConfig } from './pipeline';
import { pipelineTopics } from './topics';

const DAY = 86_400_000;

function config(retentionMs: number): PipelineConfig {
  return {
    eventTypes: [
      { topic: 'events.transaction', partitions: 6 },
      { topic: 'events.iot', partitions: 3 },
    ],
    topics: {
      aggregated: { name: 'events.aggregated', partitions: 4, compacted: false },
      dlq: { name: 'events.dlq', partitions: 2, compacted: false },
      late: { name: 'events.late', partitions: 1, compacted: false },
      reference: { name: 'reference.data', partitions: 1, compacted: true },
      schemas: { name: '_schemas', partitions: 5, compacted: true },
    },
    retentionMs,
  } as unknown as PipelineConfig;
}

describe('pipelineTopics', () => {
  it('plans every event topic and the platform topics; the DLQ keeps records at least 14 days, compacted topics have no retention', () => {
    expect(pipelineTopics(config(7 * DAY))).toEqual([
      { topic: 'events.transaction', numPartitions: 6, compacted: false, retentionMs: 7 * DAY },
      { topic: 'events.iot', numPartitions: 3, compacted: false, retentionMs: 7 * DAY },
      { topic: 'events.aggregated', numPartitions: 4, compacted: false, retentionMs: 7 * DAY },
      { topic: 'events.dlq', numPartitions: 2, compacted: false, retentionMs: 14 * DAY },
      { topic: 'events.late', numPartitions: 1, compacted: false, retentionMs: 7 * DAY },
      { topic: 'reference.data', numPartitions: 1, compacted: true },
      { topic: '_schemas', numPartitions: 1, compacted: true },
    ]);
    expect(pipelineTopics(config(30 * DAY)).find((p) => p.topic === 'events.dlq')!.retentionMs).toBe(30 * DAY);
  });
});
