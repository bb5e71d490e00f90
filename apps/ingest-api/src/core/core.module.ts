/**
 * What every feature of the ingest API shares: its validated config and pipeline, the Kafka client
 * and admin connection, the Redis connection, the schema gate, the topic directory and partition
 * table. Global, so Nest starts it first and shuts it down last.
 */
import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { PipelineConfig } from '@platform/runtime';
import { createKafka, kafkaSettings } from '@platform/kafka';
import { INGEST_CONFIG, KAFKA, PIPELINE } from '../tokens';
import { IngestConfig } from '../config';
import { TopicDirectory } from '../events/topic-directory';
import { KafkaAdminGateway } from '../kafka/kafka-admin';
import { PartitionTable } from '../kafka/partition-table';
import { RangeReader } from '../kafka/range-reader';
import { SchemaGate } from '../schema/schema-gate';
import { RedisConnection } from './redis-connection';
import { TopicSetup } from './topic-setup';

@Global()
@Module({})
export class CoreModule {
  static forRoot(config: IngestConfig, pipeline: PipelineConfig): DynamicModule {
    const shared = [
      INGEST_CONFIG,
      PIPELINE,
      KAFKA,
      RedisConnection,
      TopicDirectory,
      PartitionTable,
      KafkaAdminGateway,
      RangeReader,
      SchemaGate,
      TopicSetup,
    ];
    return {
      module: CoreModule,
      providers: [
        { provide: INGEST_CONFIG, useValue: config },
        { provide: PIPELINE, useValue: pipeline },
        {
          provide: KAFKA,
          useFactory: () =>
            createKafka(kafkaSettings(config, { connectionTimeoutMs: 3000, requestTimeoutMs: Math.max(config.produceTimeoutMs, 5000) }), {
              retry: { initialRetryTime: 100, retries: 3, maxRetryTime: 1000 },
            }),
        },
        RedisConnection,
        { provide: TopicDirectory, useValue: new TopicDirectory(pipeline) },
        { provide: PartitionTable, useValue: new PartitionTable(pipeline) },
        {
          provide: KafkaAdminGateway,
          useFactory: (kafka: Kafka) => new KafkaAdminGateway(kafka, Math.max(config.latestTimeoutMs, 5000)),
          inject: [KAFKA],
        },
        {
          provide: RangeReader,
          useFactory: (kafka: Kafka, admin: KafkaAdminGateway) => new RangeReader(kafka, admin, `ingest-read.${config.instanceId}`),
          inject: [KAFKA, KafkaAdminGateway],
        },
        {
          provide: SchemaGate,
          useFactory: () => new SchemaGate(config.schemaRegistryUrl, pipeline, config.registryTimeoutMs, config.schemaRegistryCredentials),
        },
        TopicSetup,
      ],
      exports: shared,
    };
  }
}
