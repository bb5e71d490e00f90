/**
 * Startup and shutdown of the app's connections. Startup never blocks on Kafka or the registry
 * (the API answers 503 until they are reachable); shutdown stops new work, closes sockets with
 * 1001, lets in-flight requests finish, then flushes the producer.
 */
import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import type Redis from 'ioredis';
import { PipelineConfig } from '@platform/config';
import { ensureTopics, explainKafkaError, topicReplication } from '@platform/kafka';
import { logger, shutdown } from '@platform/observability';
import { withRetry } from '@platform/resilience';
import { IDEMPOTENCY_STORE, INGEST_CONFIG, PIPELINE, REDIS } from './tokens';
import { IngestConfig } from './config';
import { KafkaPublisher } from './kafka/kafka-publisher';
import { KafkaAdminGateway } from './kafka/kafka-admin';
import { PartitionTable } from './kafka/partition-table';
import { SchemaGate } from './schema/schema-gate';
import { IdempotencyStore } from './idempotency/idempotency-store';
import { IngestHealth } from './health/ingest-health';
import { StreamService } from './stream/stream.service';
import { MemoryThrottlerStorage } from './throttling/memory-throttler-storage';

@Injectable()
export class IngestLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private topicsReady?: Promise<void>;
  /** Set at shutdown so the background topic check stops retrying against closed clients. */
  private stopping = false;

  constructor(
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    @Inject(PIPELINE) private readonly pipeline: PipelineConfig,
    private readonly publisher: KafkaPublisher,
    private readonly admin: KafkaAdminGateway,
    private readonly partitions: PartitionTable,
    private readonly schemas: SchemaGate,
    private readonly health: IngestHealth,
    private readonly stream: StreamService,
    @Inject(IDEMPOTENCY_STORE) private readonly idempotencyStore: IdempotencyStore,
    @Optional() @Inject(REDIS) private readonly redis: Redis | null,
    @Optional() private readonly memoryThrottle?: MemoryThrottlerStorage,
  ) {}

  onApplicationBootstrap(): void {
    this.publisher.start();
    this.schemas.start();
    this.topicsReady = this.prepareTopics();
  }

  /** Creates the event topics when allowed and learns their real partition counts (retried in the background). */
  private async prepareTopics(): Promise<void> {
    const topics = this.pipeline.eventTypes.map((t) => t.topic);
    try {
      await withRetry(
        async () => {
          if (this.stopping) throw new Error('shutting down');
          if (this.config.ensureTopics) {
            const plans = this.pipeline.eventTypes.map((t) => ({ topic: t.topic, numPartitions: t.partitions, compacted: false, retentionMs: this.pipeline.retentionMs }));
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

  /** Resolves when Kafka and the registry answered (for tests and scripts); rejects after timeoutMs. */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const report = await this.health.report();
      if (report.ready && this.topicsReady) {
        await this.topicsReady;
        return;
      }
      if (Date.now() > deadline) throw new Error(`ingest API not ready within ${timeoutMs} ms: ${JSON.stringify(report)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (!this.schemas.isRegistered) await this.schemas.ensureRegistered().catch(() => undefined);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.health.markShuttingDown();
    await this.stream.closeAll();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher.close();
    await this.admin.close();
    await this.idempotencyStore.close();
    this.memoryThrottle?.close();
    if (this.redis) await this.redis.quit().catch(() => this.redis?.disconnect());
  }
}
