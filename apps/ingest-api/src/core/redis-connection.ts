/** The one Redis connection of the process (REDIS_URL), shared by idempotency, throttling and serving; closed last. */
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { logger } from '@platform/runtime';
import { INGEST_CONFIG } from '../tokens';
import { IngestConfig } from '../config';

export function createRedis(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, commandTimeout: 1000, connectTimeout: 2000, enableAutoPipelining: true });
  // ioredis reconnects by itself; without a listener each failed attempt would print an unhandled-error stack.
  let down = false;
  redis.on('error', (error: Error) => {
    if (!down) logger().warn({ err: error.message }, 'Redis unavailable; retrying');
    down = true;
  });
  redis.on('ready', () => (down = false));
  return redis;
}

@Injectable()
export class RedisConnection implements OnApplicationShutdown {
  /** Null when REDIS_URL is not set: the stores then live in process memory. */
  readonly client: Redis | null;

  constructor(@Inject(INGEST_CONFIG) config: IngestConfig) {
    this.client = config.redisUrl ? createRedis(config.redisUrl) : null;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.client) await this.client.quit().catch(() => this.client?.disconnect());
  }
}
