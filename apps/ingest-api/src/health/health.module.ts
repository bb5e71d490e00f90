/** /api/v1/health: readiness from the producer, the registry and the open streams. */
import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { StreamModule } from '../stream/stream.module';
import { HealthController } from './health.controller';
import { IngestHealth } from './ingest-health';

@Module({
  imports: [EventsModule, StreamModule],
  controllers: [HealthController],
  providers: [IngestHealth],
  exports: [IngestHealth],
})
export class HealthModule {}
