/**
 * Creates the event topics when allowed and learns their real partition counts, retried in the
 * background: startup never blocks on Kafka (the API answers 503 until it is reachable).
 */
import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { PipelineConfig, logger, shutdown, withRetry } from '@platform/runtime';
import { ensureTopics, explainKafkaError, topicReplication } from '@platform/kafka';
import { INGEST_CONFIG, PIPELINE } from '../tokens';
import { IngestConfig } from '../config';
import { KafkaAdminGateway } from '../kafka/kafka-admin';
import { PartitionTable } from '../kafka/partition-table';

@Injectable()
export class TopicSetup implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private done?: Promise<void>;
  /** Set at shutdown so the background check stops retrying against closed clients. */
  private stopping = false;

  constructor(
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    @Inject(PIPELINE) private readonly pipeline: PipelineConfig,
    private readonly admin: KafkaAdminGateway,
    private readonly partitions: PartitionTable,
  ) {}

  onApplicationBootstrap(): void {
    this.done = this.prepare();
  }

  /** Settles when the topics were checked (or the check gave up); undefined before bootstrap. */
  get finished(): Promise<void> | undefined {
    return this.done;
  }

  beforeApplicationShutdown(): void {
    this.stopping = true;
  }

  private async prepare(): Promise<void> {
    const topics = this.pipeline.eventTypes.map((t) => t.topic);
    try {
      await withRetry(
        async () => {
          if (this.stopping) throw new Error('shutting down');
          if (this.config.ensureTopics) {
            const plans = this.pipeline.eventTypes.map((t) => ({
              topic: t.topic,
              numPartitions: t.partitions,
              compacted: false,
              retentionMs: this.pipeline.retentionMs,
            }));
            await this.admin.run('ensureTopics', (admin) => ensureTopics(admin, plans, topicReplication(this.config, this.pipeline)));
          }
          this.partitions.update(await this.admin.partitionCounts(topics));
        },
        {
          maxAttempts: 10,
          baseDelayMs: 500,
          maxDelayMs: 10_000,
          retryable: (error) => !this.stopping && !explainKafkaError(error),
          // An unref'd timer: a pending retry never keeps a stopping process alive.
          sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()),
        },
      );
    } catch (error) {
      if (this.stopping) return;
      const fatal = explainKafkaError(error);
      if (fatal) {
        // Wrong credentials or a missing ACL: no retry helps, so the API stops and says why.
        logger().fatal({ err: fatal.message }, `ingest API cannot use Kafka: ${fatal.message}`);
        void shutdown('Kafka access denied', 1);
        return;
      }
      logger().warn({ err: (error as Error).message }, 'could not check the event topics; using the configured partition counts');
    }
  }
}
