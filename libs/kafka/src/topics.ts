/**
 * Creates topics from plans (the pipeline's come from `pipelineTopics` in @platform/runtime); existing
 * topics are left as they are.
 */
import { Admin, ITopicConfig } from 'kafkajs';
import { RetriesExhaustedError, withRetry } from '@platform/runtime';

export interface TopicPlan {
  topic: string;
  numPartitions: number;
  compacted: boolean;
  retentionMs?: number;
}

/** How the topics the platform creates are replicated (KAFKA_REPLICATION_FACTOR, KAFKA_MIN_INSYNC_REPLICAS). */
export interface TopicReplication {
  replicationFactor?: number;
  /** Default: 2 when replicated 3 or more times (one broker may fail with acks=all), else the broker's. */
  minInsyncReplicas?: number;
}

/** The replication of a config loaded with `commonEnv`; the environment wins over the pipeline file. */
export function topicReplication(
  config: { kafkaReplicationFactor?: number; kafkaMinInsyncReplicas?: number },
  pipeline?: { replicationFactor: number },
): TopicReplication {
  return {
    replicationFactor: config.kafkaReplicationFactor ?? pipeline?.replicationFactor,
    minInsyncReplicas: config.kafkaMinInsyncReplicas,
  };
}

function topicConfig(plan: TopicPlan, replication: TopicReplication): ITopicConfig {
  const replicationFactor = replication.replicationFactor ?? 1;
  const configEntries = [{ name: 'cleanup.policy', value: plan.compacted ? 'compact' : 'delete' }];
  if (!plan.compacted && plan.retentionMs) configEntries.push({ name: 'retention.ms', value: String(plan.retentionMs) });
  const minIsr = replication.minInsyncReplicas ?? (replicationFactor >= 3 ? 2 : undefined);
  if (minIsr !== undefined) configEntries.push({ name: 'min.insync.replicas', value: String(minIsr) });
  return { topic: plan.topic, numPartitions: plan.numPartitions, replicationFactor, configEntries };
}

/** Returns the names of the topics it created (empty when all existed). A number is the replication factor. */
export async function ensureTopics(admin: Admin, plans: TopicPlan[], replication: TopicReplication | number = {}): Promise<string[]> {
  const settings = typeof replication === 'number' ? { replicationFactor: replication } : replication;
  const existing = new Set(await admin.listTopics());
  const missing = plans.filter((p) => !existing.has(p.topic));
  if (missing.length === 0) return [];
  try {
    await admin.createTopics({ topics: missing.map((p) => topicConfig(p, settings)), waitForLeaders: false });
  } catch (error) {
    // Another process may have created them between list and create; only a real failure remains.
    const now = new Set(await admin.listTopics());
    if (missing.some((p) => !now.has(p.topic))) throw error;
  }
  await waitForLeaders(admin, missing);
  return missing.map((p) => p.topic);
}

/**
 * Polls until every partition of the new topics has a leader that serves it. A busy broker can answer
 * "unknown topic or partition" for a moment after creating a topic, and, after metadata names a
 * leader, still "not the leader" to ListOffsets (which kafkajs's offset reads do not retry); clients
 * must see neither.
 */
async function waitForLeaders(admin: Admin, plans: TopicPlan[], timeoutMs = 30000): Promise<void> {
  try {
    await withRetry(
      async () => {
        const { topics } = await admin.fetchTopicMetadata({ topics: plans.map((p) => p.topic) });
        const ready = plans.every((plan) => {
          const meta = topics.find((t) => t.name === plan.topic);
          return meta !== undefined && meta.partitions.length >= plan.numPartitions && meta.partitions.every((p) => p.leader >= 0);
        });
        if (!ready) throw NOT_YET;
        for (const plan of plans) await admin.fetchTopicOffsets(plan.topic);
      },
      { maxAttempts: Number.POSITIVE_INFINITY, maxElapsedMs: timeoutMs, baseDelayMs: 100, maxDelayMs: 100, jitterRatio: 0 },
    );
  } catch (error) {
    const lastError = error instanceof RetriesExhaustedError && error.lastError !== NOT_YET ? error.lastError : undefined;
    throw new TopicsWithoutLeaderError(
      `topics ${plans.map((p) => p.topic).join(', ')} have no leader after ${timeoutMs} ms${lastError ? `: ${(lastError as Error).message}` : ''}`,
      lastError,
    );
  }
}

/** Metadata does not name a leader for every partition yet (no error of Kafka's own). */
const NOT_YET = new Error('not every partition has a leader yet');

/** Leaders missing for longer than ensureTopics waits: a broker still starting or restarting, so a retry may pass. */
export class TopicsWithoutLeaderError extends Error {
  readonly retriable = true;
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'TopicsWithoutLeaderError';
  }
}
