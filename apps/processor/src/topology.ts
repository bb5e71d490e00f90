/**
 * Names derived from the pipeline config: the processor's internal topics follow the aggregated
 * topic's name, so a pipeline with renamed topics (tests, a second deployment) gets its own.
 */
import { PipelineConfig } from '@platform/runtime';
import { TopicPlan } from '@platform/kafka';

/** Each stage is its own consumer group: `<group>-a` (validate, repartition), `<group>-b` (windows). */
export function stageGroupId(config: { group: string }, stage: 'a' | 'b'): string {
  return `${config.group}-${stage}`;
}

export function repartitionTopic(pipeline: PipelineConfig): string {
  return `${pipeline.topics.aggregated.name}-repartition`;
}

export function changelogTopic(pipeline: PipelineConfig): string {
  return `${pipeline.topics.aggregated.name}-changelog`;
}

/** Stage B has one task per repartition partition; the changelog is partitioned the same way. */
export function taskCount(pipeline: PipelineConfig): number {
  return pipeline.topics.aggregated.partitions;
}

/** Every source partition of the pipeline's event topics, as the engine names them (`topic-partition`). */
export function sourcePartitions(pipeline: PipelineConfig): string[] {
  return pipeline.eventTypes.flatMap((t) => Array.from({ length: t.partitions }, (_, p) => `${t.topic}-${p}`));
}

export function internalTopicPlans(pipeline: PipelineConfig): TopicPlan[] {
  const partitions = taskCount(pipeline);
  return [
    { topic: repartitionTopic(pipeline), numPartitions: partitions, compacted: false, retentionMs: pipeline.retentionMs },
    { topic: changelogTopic(pipeline), numPartitions: partitions, compacted: true },
  ];
}
