/**
 * Starts a schema registry: loads the schemas log, then serves the Confluent REST API. Used by main.ts
 * and by other apps' tests (port 0 picks a free port).
 */
import 'reflect-metadata';
import { AddressInfo } from 'net';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { health, logger, type CompressionCodec, type KafkaSecurity } from '@platform/runtime';
import { topicReplication } from '@platform/kafka';
import { NestPinoLogger } from '@platform/runtime/nest';
import { SchemaRegistryModule } from './app.module';
import { installRegistryAuth, RegistryAuth } from './auth/registry-auth';
import { installRegistryContentTypes } from './http/content-types';
import type { SchemaLimits } from './http/request-parsing';
import { handleRegistryClientError, handleRouterError, RegistryExceptionFilter } from './http/registry-exception.filter';
import { installRequestMetrics } from './http/request-metrics';
import { KafkaSchemaLog } from './store/kafka-schema-log';

export interface SchemaRegistryOptions {
  port: number;
  host?: string;
  kafkaBrokers: string[];
  schemasTopic: string;
  /** Who may call it; `{ mode: 'none' }` only when explicitly configured (REGISTRY_AUTH=none). */
  auth: RegistryAuth;
  /** Bounds on one schema (default 256 KiB, 64 levels). */
  schemaLimits?: SchemaLimits;
  kafkaSecurity?: KafkaSecurity;
  kafkaCompression?: CompressionCodec;
  kafkaReplicationFactor?: number;
  kafkaMinInsyncReplicas?: number;
}

export interface RunningSchemaRegistry {
  url: string;
  close(): Promise<void>;
}

const BODY_LIMIT_BYTES = 16 * 1024 * 1024;

export async function startSchemaRegistry(options: SchemaRegistryOptions): Promise<RunningSchemaRegistry> {
  const log = new KafkaSchemaLog({
    brokers: options.kafkaBrokers,
    topic: options.schemasTopic,
    security: options.kafkaSecurity,
    compression: options.kafkaCompression,
    replication: topicReplication(options),
  });
  let app: NestFastifyApplication | undefined;
  try {
    await log.start();
    const adapter = new FastifyAdapter({
      bodyLimit: BODY_LIMIT_BYTES,
      frameworkErrors: handleRouterError,
      clientErrorHandler: handleRegistryClientError,
      // Slow or stalled clients are cut off in seconds, not minutes.
      requestTimeout: 15_000,
      http: { headersTimeout: 5_000, requestTimeout: 15_000, connectionsCheckingInterval: 1000 },
    });
    installRegistryContentTypes(adapter.getInstance());
    installRequestMetrics(adapter.getInstance());
    installRegistryAuth(adapter.getInstance(), options.auth);
    app = await NestFactory.create<NestFastifyApplication>(SchemaRegistryModule.forLog(log, options.schemaLimits), adapter, {
      logger: new NestPinoLogger(),
      bodyParser: false,
    });
    app.useGlobalFilters(new RegistryExceptionFilter());
    await app.listen(options.port, options.host ?? '127.0.0.1');
  } catch (error) {
    await app?.close().catch(() => undefined);
    await log.close();
    throw error;
  }
  health.register('schemas_log', async () => log.healthy());
  const { port } = app.getHttpServer().address() as AddressInfo;
  logger().info({ port, topic: options.schemasTopic, auth: options.auth.mode }, 'schema registry listening');
  if (options.auth.mode === 'none')
    logger().warn('schema registry runs WITHOUT authentication (REGISTRY_AUTH=none): for local development only');
  const running = app;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      (closing ??= (async () => {
        // Requests in flight finish; their keep-alive connections are closed as soon as they go idle
        // instead of lingering for the keep-alive timeout.
        const server = running.getHttpServer();
        const sweeper = setInterval(() => server.closeIdleConnections(), 50);
        try {
          await running.close();
        } finally {
          clearInterval(sweeper);
        }
        await log.close();
      })()),
  };
}
