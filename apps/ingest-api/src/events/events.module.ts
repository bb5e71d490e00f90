/** Publishing (single, batch) and latest events: the producer, the services and their routes. */
import { Module } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { INGEST_CONFIG, KAFKA } from '../tokens';
import { IngestConfig } from '../config';
import { ingestMetrics } from '../metrics';
import { AuthModule } from '../auth/auth.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { KafkaPublisher } from '../kafka/kafka-publisher';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';
import { LatestService } from './latest.service';

@Module({
  imports: [AuthModule, IdempotencyModule],
  controllers: [EventsController],
  providers: [
    {
      provide: KafkaPublisher,
      inject: [KAFKA, INGEST_CONFIG],
      useFactory: (kafka: Kafka, config: IngestConfig) =>
        new KafkaPublisher(kafka, {
          produceTimeoutMs: config.produceTimeoutMs,
          maxPendingRecords: config.maxPendingRecords,
          onBatch: (records, _bytes, seconds) => {
            ingestMetrics.kafkaBatchRecords.observe(records);
            ingestMetrics.produceDuration.observe(seconds);
          },
        }),
    },
    EventsService,
    LatestService,
  ],
  exports: [KafkaPublisher],
})
export class EventsModule {}
