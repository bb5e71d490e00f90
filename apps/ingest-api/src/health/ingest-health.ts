/** This instance's health: Kafka producer connected, schemas registered and the registry answering; and its build. */
import { Injectable } from '@nestjs/common';
import { BuildInfo, buildInfo } from '@platform/observability';
import { KafkaPublisher } from '../kafka/kafka-publisher';
import { SchemaGate } from '../schema/schema-gate';
import { StreamService } from '../stream/stream.service';

export interface IngestHealthReport {
  status: 'ok' | 'degraded' | 'shutting_down';
  live: true;
  ready: boolean;
  kafka_connected: boolean;
  schema_registry_connected: boolean;
  uptime_seconds: number;
  pending_records: number;
  open_streams: number;
  build: BuildInfo;
}

@Injectable()
export class IngestHealth {
  private readonly startedAt = Date.now();
  private shuttingDown = false;

  constructor(private readonly publisher: KafkaPublisher, private readonly schemas: SchemaGate, private readonly stream: StreamService) {}

  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  kafkaConnected(): boolean {
    return this.publisher.isConnected;
  }

  async registryConnected(): Promise<boolean> {
    if (!this.schemas.isRegistered) return false;
    return Promise.race([this.schemas.ping(), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000).unref())]);
  }

  async report(): Promise<IngestHealthReport> {
    const kafka = this.kafkaConnected();
    const registry = await this.registryConnected();
    const ready = !this.shuttingDown && kafka && registry;
    return {
      status: this.shuttingDown ? 'shutting_down' : ready ? 'ok' : 'degraded',
      live: true,
      ready,
      kafka_connected: kafka,
      schema_registry_connected: registry,
      uptime_seconds: (Date.now() - this.startedAt) / 1000,
      pending_records: this.publisher.pendingCount,
      open_streams: this.stream.openConnections,
      build: buildInfo(),
    };
  }
}
