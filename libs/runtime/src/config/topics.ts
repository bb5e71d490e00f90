/** The topics the pipeline config declares, as plans for the Kafka layer to create (`ensureTopics`). */
import { PipelineConfig } from './pipeline';

export interface PipelineTopic {
  topic: string;
  numPartitions: number;
  compacted: boolean;
  retentionMs?: number;
}

export function pipelineTopics(config: PipelineConfig): PipelineTopic[] {
  const retentionMs = config.retentionMs;
  const plans: PipelineTopic[] = config.eventTypes.map((t) => ({
    topic: t.topic,
    numPartitions: t.partitions,
    compacted: false,
    retentionMs,
  }));
  const { aggregated, dlq, late, reference, schemas } = config.topics;
  plans.push({ topic: aggregated.name, numPartitions: aggregated.partitions, compacted: aggregated.compacted, retentionMs });
  plans.push({ topic: dlq.name, numPartitions: dlq.partitions, compacted: false, retentionMs: Math.max(retentionMs, 14 * 86_400_000) });
  plans.push({ topic: late.name, numPartitions: late.partitions, compacted: false, retentionMs });
  plans.push({ topic: reference.name, numPartitions: reference.partitions, compacted: true });
  plans.push({ topic: schemas.name, numPartitions: 1, compacted: true });
  return plans;
}
