/** This instance's health: Kafka producer connected, schemas registered and the registry answering; and its build. */
import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { BuildInfo, buildInfo } from '@platform/runtime';
import { KafkaPublisher } from '../kafka/kafka-publisher';
import { SchemaGate } from '../schema/schema-gate';
import { StreamService } from '../stream/stream.service';
import { TopicSetup } from '../core/topic-setup';

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
export class IngestHealth implements BeforeApplicationShutdown {
  private readonly startedAt = Date.now();
  private shuttingDown = false;

  constructor(
    private readonly publisher: KafkaPublisher,
    private readonly schemas: SchemaGate,
    private readonly stream: StreamService,
    private readonly topics: TopicSetup,
  ) {}

  /** Not ready from the moment shutdown begins, so a load balancer stops sending before the server closes. */
  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
  }

  /** Resolves when Kafka and the registry answered and the topics were checked (for tests and scripts); rejects after timeoutMs. */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const report = await this.report();
      const topicsChecked = this.topics.finished;
      if (report.ready && topicsChecked) {
        await topicsChecked;
        return;
      }
      if (Date.now() > deadline) throw new Error(`ingest API not ready within ${timeoutMs} ms: ${JSON.stringify(report)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (!this.schemas.isRegistered) await this.schemas.ensureRegistered().catch(() => undefined);
    }
  }

  kafkaConnected(): boolean {
    return this.publisher.isConnected;
  }

  async registryConnected(): Promise<boolean> {
    if (!this.schemas.isRegistered) {
      // A registration that failed at startup (registry slow or down) is retried when readiness is asked
      // (at most once a second), so the instance becomes ready without waiting for a publish to try.
      void this.schemas.ensureRegistered().catch(() => undefined);
      return false;
    }
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
