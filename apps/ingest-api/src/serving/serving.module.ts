/**
 * The aggregate serving layer's part of the ingest API: the store (Redis when REDIS_URL is set, or
 * SERVING_STORE=redis; the embedded store with a snapshot in DATA_DIR/serving/ otherwise), the
 * materializer that follows the aggregated topic, and the lookup routes and live stream.
 */
import { join } from 'path';
import { Module } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Kafka } from 'kafkajs';
import { PipelineConfig } from '@platform/runtime';
import { AggregatedRecord } from '@platform/contracts';
import { RetentionPolicy } from '@platform/windowing';
import { INGEST_CONFIG, KAFKA, PIPELINE } from '../tokens';
import { RedisConnection } from '../core/redis-connection';
import { AuthModule } from '../auth/auth.module';
import { KafkaAdminGateway } from '../kafka/kafka-admin';
import { SchemaGate } from '../schema/schema-gate';
import type { IngestConfig } from '../config';
import { AggregateStore } from './aggregate-store';
import { MemoryAggregateStore } from './memory-aggregate-store';
import { RedisAggregateStore } from './redis-aggregate-store';
import { AggregateMaterializer } from './aggregate-materializer';
import { AggregateServingService, SERVING_CONFIG } from './aggregate-serving.service';
import { AggregatesController } from './aggregates.controller';

export function createAggregateStore(config: IngestConfig, topic: string, redis: Redis | null): AggregateStore {
  const serving = config.serving;
  const policy: RetentionPolicy = { retentionMs: serving.retentionMs, maxWindows: serving.maxWindows };
  const useRedis = serving.store === 'redis' || (serving.store === 'auto' && redis !== null);
  if (useRedis) {
    if (!redis) throw new Error('SERVING_STORE=redis needs REDIS_URL');
    return new RedisAggregateStore(redis, config.redisKeyPrefix, topic, policy, serving.keyTtlMs);
  }
  return new MemoryAggregateStore(join(config.dataDir, 'serving', `${topic}.snapshot.json`), policy, serving.snapshotIntervalMs);
}

/** Imported only when SERVING_ENABLED: without it the API has no aggregate routes and no materializer. */
@Module({
  imports: [AuthModule],
  controllers: [AggregatesController],
  providers: [
    { provide: SERVING_CONFIG, useFactory: (config: IngestConfig) => config.serving, inject: [INGEST_CONFIG] },
    {
      provide: AggregateMaterializer,
      useFactory: (
        config: IngestConfig,
        pipeline: PipelineConfig,
        kafka: Kafka,
        redis: RedisConnection,
        admin: KafkaAdminGateway,
        schemas: SchemaGate,
      ) => {
        const topic = pipeline.topics.aggregated.name;
        return new AggregateMaterializer(
          topic,
          kafka,
          admin,
          createAggregateStore(config, topic, redis.client),
          (value) => schemas.decode<AggregatedRecord>(value),
          config.instanceId,
        );
      },
      inject: [INGEST_CONFIG, PIPELINE, KAFKA, RedisConnection, KafkaAdminGateway, SchemaGate],
    },
    AggregateServingService,
  ],
})
export class ServingModule {}
