/** Once per event_id: the store (Redis when REDIS_URL is set, process memory otherwise) behind IdempotencyService. */
import { Module } from '@nestjs/common';
import { INGEST_CONFIG, IDEMPOTENCY_STORE } from '../tokens';
import { IngestConfig } from '../config';
import { RedisConnection } from '../core/redis-connection';
import { IdempotencyStore } from './idempotency-store';
import { MemoryIdempotencyStore } from './memory-idempotency-store';
import { RedisIdempotencyStore } from './redis-idempotency-store';
import { IdempotencyService } from './idempotency.service';

@Module({
  providers: [
    {
      provide: IDEMPOTENCY_STORE,
      inject: [INGEST_CONFIG, RedisConnection],
      useFactory: (config: IngestConfig, redis: RedisConnection): IdempotencyStore => {
        const window = { ttlMs: config.idempotencyTtlMs, claimTtlMs: Math.max(30_000, config.produceTimeoutMs * 3) };
        return redis.client ? new RedisIdempotencyStore(redis.client, config.redisKeyPrefix, window) : new MemoryIdempotencyStore(window, config.idempotencyMaxEntries);
      },
    },
    {
      provide: IdempotencyService,
      inject: [INGEST_CONFIG, IDEMPOTENCY_STORE],
      useFactory: (config: IngestConfig, store: IdempotencyStore) => new IdempotencyService(store, config.produceTimeoutMs + 1000),
    },
  ],
  exports: [IdempotencyService],
})
export class IdempotencyModule {}
