/**
 * Who the caller is and what it may do: the token verifier (one per process, shared by HTTP and
 * WebSocket), the one guard per kind of route (AccessGuard: principal, rate limit and scopes in one
 * step), and passport-jwt as the 'jwt' strategy. Rate limits per subject are here too, since they
 * key on the authenticated principal.
 */
import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule } from '@nestjs/throttler';
import { TokenVerifier } from '@platform/auth';
import { INGEST_CONFIG } from '../tokens';
import { IngestConfig } from '../config';
import { RedisConnection } from '../core/redis-connection';
import { MemoryThrottlerStorage } from '../throttling/memory-throttler-storage';
import { RedisThrottlerStorage } from '../throttling/redis-throttler-storage';
import { SubjectThrottlerGuard } from '../throttling/subject-throttler.guard';
import { JwtStrategy } from './jwt.strategy';
import { TopicAccessGuard } from './topic-access.guard';
import { AdminAccessGuard } from './admin-access.guard';
import { AuthenticatedAccessGuard } from './authenticated-access.guard';

const guards = [SubjectThrottlerGuard, TopicAccessGuard, AdminAccessGuard, AuthenticatedAccessGuard];

@Module({
  imports: [
    PassportModule.register({ session: false }),
    ThrottlerModule.forRootAsync({
      inject: [INGEST_CONFIG, RedisConnection],
      useFactory: (config: IngestConfig, redis: RedisConnection) => ({
        throttlers: [{ name: 'default', ttl: config.throttleTtlMs, limit: config.throttleLimit }],
        storage: redis.client ? new RedisThrottlerStorage(redis.client, config.redisKeyPrefix) : new MemoryThrottlerStorage(),
      }),
    }),
  ],
  providers: [{ provide: TokenVerifier, useFactory: (config: IngestConfig) => new TokenVerifier(config.auth), inject: [INGEST_CONFIG] }, JwtStrategy, ...guards],
  exports: [TokenVerifier, ThrottlerModule, ...guards],
})
export class AuthModule {}
