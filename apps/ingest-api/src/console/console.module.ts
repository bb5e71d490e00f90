/**
 * The web console: its static page under /console and its endpoints under /api/v1/console. Built
 * from the app's config with instances of its own (Kafka admin connection, registry client, DLQ
 * reader), so it adds nothing to the publish path and can be switched off (CONSOLE_ENABLED=false).
 */
import { DynamicModule, Inject, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Kafka } from 'kafkajs';
import { PipelineConfig } from '@platform/runtime';
import { RegistryClient, SchemaCatalog } from '@platform/schema';
import { IngestConfig } from '../config';
import { KAFKA } from '../tokens';
import { AuthModule } from '../auth/auth.module';
import { KafkaAdminGateway } from '../kafka/kafka-admin';
import { ConsoleController, ConsoleSessionController } from './console.controller';
import { ConsoleService } from './console.service';
import { ConsoleDlq } from './console-dlq';
import { RegistryBrowser } from './registry-browser';
import { serveConsole } from './console-assets';
import {
  CONSOLE_CONFIG,
  CONSOLE_KAFKA,
  CONSOLE_KAFKA_ADMIN,
  CONSOLE_PIPELINE,
  CONSOLE_REGISTRY,
  CONSOLE_REGISTRY_BROWSER,
} from './console.tokens';

@Module({})
export class ConsoleModule implements OnModuleInit {
  constructor(
    private readonly host: HttpAdapterHost,
    @Inject(CONSOLE_KAFKA_ADMIN) private readonly admin: KafkaAdminGateway,
  ) {}

  static forRoot(config: IngestConfig, pipeline: PipelineConfig): DynamicModule {
    if (!config.console.enabled) return { module: ConsoleModule, providers: [{ provide: CONSOLE_KAFKA_ADMIN, useValue: null }] };
    const registry = new RegistryClient(config.schemaRegistryUrl, {
      timeoutMs: Math.min(config.registryTimeoutMs, 2000),
      maxAttempts: 1,
      credentials: config.schemaRegistryCredentials,
    });
    return {
      module: ConsoleModule,
      imports: [AuthModule],
      controllers: [ConsoleSessionController, ConsoleController],
      providers: [
        { provide: CONSOLE_CONFIG, useValue: config.console },
        { provide: CONSOLE_PIPELINE, useValue: pipeline },
        // The core's Kafka client; an admin connection of the console's own, so its scans never hold up the publish path's.
        { provide: CONSOLE_KAFKA, useExisting: KAFKA },
        { provide: CONSOLE_KAFKA_ADMIN, useFactory: (kafka: Kafka) => new KafkaAdminGateway(kafka, 5000), inject: [KAFKA] },
        { provide: CONSOLE_REGISTRY, useValue: registry },
        { provide: SchemaCatalog, useValue: new SchemaCatalog(registry, pipeline) },
        {
          provide: CONSOLE_REGISTRY_BROWSER,
          useValue: new RegistryBrowser(
            config.schemaRegistryUrl,
            Math.max(config.registryTimeoutMs, 1000),
            config.schemaRegistryCredentials,
          ),
        },
        ConsoleService,
        ConsoleDlq,
      ],
    };
  }

  onModuleInit(): void {
    if (!this.admin) return;
    serveConsole(this.host.httpAdapter.getInstance());
  }

  async onModuleDestroy(): Promise<void> {
    await this.admin?.close();
  }
}
