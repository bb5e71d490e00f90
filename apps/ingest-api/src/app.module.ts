/** The ingest API's module, built from validated config and the pipeline (no env reads in here). */
import { DynamicModule, Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule, ThrottlerStorage } from '@nestjs/throttler';
import Redis from 'ioredis';
import { PipelineConfig } from '@platform/config';
import { createKafka, kafkaSettings } from '@platform/kafka';
import { OpsModule } from '@platform/observability';
import { TokenVerifier } from '@platform/auth';
import { IngestConfig } from './config';
import { IDEMPOTENCY_STORE, INGEST_CONFIG, KAFKA, PIPELINE, REDIS } from './tokens';
import { ingestMetrics } from './metrics';
import { TopicDirectory } from './events/topic-directory';
import { EventsController } from './events/events.controller';
import { EventsService } from './events/events.service';
import { LatestService } from './events/latest.service';
import { KafkaPublisher } from './kafka/kafka-publisher';
import { KafkaAdminGateway } from './kafka/kafka-admin';
import { PartitionTable } from './kafka/partition-table';
import { RangeReader } from './kafka/range-reader';
import { SchemaGate } from './schema/schema-gate';
import { IdempotencyStore } from './idempotency/idempotency-store';
import { MemoryIdempotencyStore } from './idempotency/memory-idempotency-store';
import { RedisIdempotencyStore } from './idempotency/redis-idempotency-store';
import { IdempotencyService } from './idempotency/idempotency.service';
import { JwtStrategy } from './auth/jwt.strategy';
import { JwtAuthGuard } from './auth/jwt-auth.guard';
import { TopicScopeGuard } from './auth/topic-scope.guard';
import { SubjectThrottlerGuard } from './throttling/subject-throttler.guard';
import { MemoryThrottlerStorage } from './throttling/memory-throttler-storage';
import { RedisThrottlerStorage } from './throttling/redis-throttler-storage';
import { StreamService } from './stream/stream.service';
import { StreamGateway } from './stream/stream.gateway';
import { HealthController } from './health/health.controller';
import { IngestHealth } from './health/ingest-health';
import { IngestLifecycle } from './lifecycle';
import { DlqAdminController } from './admin/dlq-admin.controller';
import { DlqAdminService } from './admin/dlq-admin.service';
import { AdminScopeGuard } from './auth/admin-scope.guard';
import { servingParts } from './serving/serving.providers';
import { ConsoleModule } from './console/console.module';

export function createRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 1, commandTimeout: 1000, connectTimeout: 2000, enableAutoPipelining: true });
}

@Module({})
export class AppModule {
  static forRoot(config: IngestConfig, pipeline: PipelineConfig): DynamicModule {
    const kafka = createKafka(
      kafkaSettings(config, { connectionTimeoutMs: 3000, requestTimeoutMs: Math.max(config.produceTimeoutMs, 5000) }),
      { retry: { initialRetryTime: 100, retries: 3, maxRetryTime: 1000 } },
    );
    const redis = config.redisUrl ? createRedis(config.redisUrl) : null;
    const window = { ttlMs: config.idempotencyTtlMs, claimTtlMs: Math.max(30_000, config.produceTimeoutMs * 3) };
    const idempotencyStore: IdempotencyStore = redis
      ? new RedisIdempotencyStore(redis, config.redisKeyPrefix, window)
      : new MemoryIdempotencyStore(window, config.idempotencyMaxEntries);
    const memoryThrottle = redis ? undefined : new MemoryThrottlerStorage();
    const throttlerStorage: ThrottlerStorage = redis ? new RedisThrottlerStorage(redis, config.redisKeyPrefix) : memoryThrottle!;
    const serving = servingParts(config, pipeline, kafka, redis);

    return {
      module: AppModule,
      imports: [
        PassportModule.register({ session: false }),
        ThrottlerModule.forRoot({
          throttlers: [{ name: 'default', ttl: config.throttleTtlMs, limit: config.throttleLimit }],
          storage: throttlerStorage,
        }),
        OpsModule,
        ConsoleModule.forRoot(config, pipeline, kafka),
      ],
      controllers: [EventsController, HealthController, DlqAdminController, ...serving.controllers],
      providers: [
        { provide: INGEST_CONFIG, useValue: config },
        { provide: PIPELINE, useValue: pipeline },
        { provide: KAFKA, useValue: kafka },
        { provide: REDIS, useValue: redis },
        { provide: IDEMPOTENCY_STORE, useValue: idempotencyStore },
        ...(memoryThrottle ? [{ provide: MemoryThrottlerStorage, useValue: memoryThrottle }] : []),
        { provide: TopicDirectory, useValue: new TopicDirectory(pipeline) },
        DlqAdminService,
        AdminScopeGuard,
        { provide: PartitionTable, useValue: new PartitionTable(pipeline) },
        { provide: TokenVerifier, useValue: new TokenVerifier(config.auth) },
        { provide: SchemaGate, useValue: new SchemaGate(config.schemaRegistryUrl, pipeline, config.registryTimeoutMs, config.schemaRegistryCredentials) },
        {
          provide: KafkaPublisher,
          useValue: new KafkaPublisher(kafka, {
            produceTimeoutMs: config.produceTimeoutMs,
            maxPendingRecords: config.maxPendingRecords,
            onBatch: (records, _bytes, seconds) => {
              ingestMetrics.kafkaBatchRecords.observe(records);
              ingestMetrics.produceDuration.observe(seconds);
            },
          }),
        },
        { provide: KafkaAdminGateway, useValue: new KafkaAdminGateway(kafka, Math.max(config.latestTimeoutMs, 5000)) },
        { provide: RangeReader, useFactory: (admin: KafkaAdminGateway) => new RangeReader(kafka, admin, `ingest-read.${config.instanceId}`), inject: [KafkaAdminGateway] },
        { provide: IdempotencyService, useValue: new IdempotencyService(idempotencyStore, config.produceTimeoutMs + 1000) },
        JwtStrategy,
        JwtAuthGuard,
        TopicScopeGuard,
        SubjectThrottlerGuard,
        EventsService,
        LatestService,
        StreamService,
        StreamGateway,
        IngestHealth,
        IngestLifecycle,
        ...serving.providers,
      ],
    };
  }
}
