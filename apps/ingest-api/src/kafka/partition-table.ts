/**
 * Partitions per event topic: as the pipeline config declares them, replaced by what the broker
 * reports once it answers (the partition of a key must be computed over the real count).
 */
import { PipelineConfig, logger } from '@platform/runtime';

export class PartitionTable {
  private readonly counts = new Map<string, number>();

  constructor(pipeline: PipelineConfig) {
    for (const type of pipeline.eventTypes) this.counts.set(type.topic, type.partitions);
  }

  count(topic: string): number {
    return this.counts.get(topic) ?? 1;
  }

  update(actual: Map<string, number>): void {
    for (const [topic, count] of actual) {
      if (!this.counts.has(topic) || count <= 0) continue;
      if (this.counts.get(topic) !== count)
        logger().warn(
          { topic, configured: this.counts.get(topic), actual: count },
          'topic partition count differs from the pipeline config; using the broker',
        );
      this.counts.set(topic, count);
    }
  }
}
