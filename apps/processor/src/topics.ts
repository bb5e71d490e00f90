/**
 * The processor's own topics, named after its group (as Kafka Streams names internal topics after
 * the application id): the repartition topic between the stages and the windows' changelog.
 * Both have as many partitions as the aggregated topic; task N owns partition N of each.
 */
import { PipelineConfig } from '@platform/config';
import { pipelineTopics, TopicPlan } from '@platform/kafka';

export interface ProcessorTopics {
  repartition: string;
  changelog: string;
  repartitionPartitions: number;
}

export function processorTopics(pipeline: PipelineConfig, group: string): ProcessorTopics {
  return { repartition: `${group}-repartition`, changelog: `${group}-windows-changelog`, repartitionPartitions: pipeline.topics.aggregated.partitions };
}

export function processorTopicPlans(pipeline: PipelineConfig, topics: ProcessorTopics): TopicPlan[] {
  return [
    ...pipelineTopics(pipeline),
    { topic: topics.repartition, numPartitions: topics.repartitionPartitions, compacted: false, retentionMs: pipeline.retentionMs },
    { topic: topics.changelog, numPartitions: topics.repartitionPartitions, compacted: true },
  ];
}
