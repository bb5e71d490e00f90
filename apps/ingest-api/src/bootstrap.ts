/**
 * Builds and starts the ingest API: `createIngestApp` for in-process use (tests start it on port
 * 0), `startIngestApi` for main.ts. Config comes from the environment unless given.
 */
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { loadPipelineConfig, PipelineConfig, createLogger, initMetrics, logger } from '@platform/runtime';
import { NestPinoLogger } from '@platform/runtime/nest';
import { IngestConfig, loadIngestConfig } from './config';
import { AppModule } from './app.module';
import { AllExceptionsFilter } from './http/all-exceptions.filter';
import { handleClientError, handleFrameworkError } from './http/client-error';
import { installHttpHooks } from './http/http-hooks';
import { installDirectRoutes } from './http/direct-route';
import { requestIdFrom } from './http/request-context';
import { buildOpenApi, serveDocs } from './http/docs';
import { StreamWsAdapter } from './stream/stream-ws.adapter';
import { StreamService } from './stream/stream.service';
import { IngestHealth } from './health/ingest-health';

export interface IngestAppOptions {
  /** Overrides on top of the environment's config. */
  config?: Partial<IngestConfig>;
  /** The whole config, already loaded (main.ts, through runService): env and config are not read. */
  loadedConfig?: IngestConfig;
  /** The environment to read (process.env by default). */
  env?: Record<string, string | undefined>;
  pipeline?: PipelineConfig;
}

export interface IngestApp {
  app: NestFastifyApplication;
  config: IngestConfig;
  /** Starts listening; resolves with the base URL (http://host:port). */
  listen(port?: number, host?: string): Promise<string>;
  /** Resolves when Kafka and the registry are reachable and the schemas registered. */
  ready(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function createIngestApp(options: IngestAppOptions = {}): Promise<IngestApp> {
  const env = options.env ?? process.env;
  const config: IngestConfig = options.loadedConfig ?? { ...loadIngestConfig(env), ...options.config };
  const pipeline = options.pipeline ?? loadPipelineConfig(config.pipelineConfigPath);
  createLogger('ingest-api', config.logLevel);
  initMetrics('ingest-api');
  if (config.auth.devFallback) logger().warn('NODE_ENV=development without JWT_SECRET/JWKS_URL: using the local development secret');

  const adapter = new FastifyAdapter({
    logger: false,
    bodyLimit: config.bodyLimit,
    requestIdHeader: false,
    genReqId: (request: { headers: Record<string, string | string[] | undefined> }) => requestIdFrom(request.headers['x-request-id']),
    trustProxy: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    clientErrorHandler: handleClientError,
    frameworkErrors: handleFrameworkError,
    // A client that trickles its headers or announces a body it never sends is cut off in seconds
    // (Node checks the deadlines every connectionsCheckingInterval).
    requestTimeout: config.requestTimeoutMs,
    http: { headersTimeout: config.headersTimeoutMs, requestTimeout: config.requestTimeoutMs, connectionsCheckingInterval: 1000 },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, pipeline), adapter, {
    logger: new NestPinoLogger(),
    abortOnError: false,
    // The body parsers are ours (http-hooks.ts): JSON errors keep their code, Avro arrives as bytes.
    bodyParser: false,
  });
  try {
    const fastify = app.getHttpAdapter().getInstance();
    installHttpHooks(fastify, { batchBodyLimit: config.batchMaxBytes });
    installDirectRoutes(fastify, app);
    app.useGlobalFilters(new AllExceptionsFilter());
    if (config.corsOrigins.length > 0) {
      app.enableCors({
        origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
        exposedHeaders: ['x-request-id', 'retry-after', 'idempotent-replayed'],
      });
    }
    app.useWebSocketAdapter(new StreamWsAdapter(app, (request) => app.get(StreamService).admit(request)));
    if (config.docs) {
      let document: OpenAPIObject | undefined;
      serveDocs(fastify, () => (document ??= buildOpenApi(app)));
    }
    await app.init();
  } catch (error) {
    // Nothing may stay open when start fails: runService may try again in the same process.
    await app.close().catch(() => undefined);
    throw error;
  }

  return {
    app,
    config,
    async listen(port = config.port, host = config.host) {
      await app.listen(port, host);
      const address = app.getHttpServer().address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      return `http://${shownHost}:${actualPort}`;
    },
    ready: (timeoutMs = 30_000) => app.get(IngestHealth).ready(timeoutMs),
    close: () => app.close(),
  };
}

/** Creates the app and listens on PORT. */
export async function startIngestApi(options: IngestAppOptions = {}): Promise<IngestApp & { url: string }> {
  const ingest = await createIngestApp(options);
  try {
    return { ...ingest, url: await ingest.listen() };
  } catch (error) {
    await ingest.close().catch(() => undefined);
    throw error;
  }
}
