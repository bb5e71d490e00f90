/**
 * The process entry point of every app: config from the environment, the logger, metrics, the ops
 * server (/metrics, /health) for a service without an HTTP API of its own (processor, sink; those
 * with one, the ingest API and the registry, serve both themselves and set no `opsPort`), the
 * service, and graceful shutdown on SIGINT/SIGTERM.
 *
 * Exit status 2 means the configuration is invalid (the message on stderr names every variable to
 * fix), so a supervisor need not restart it; 1 means it failed to start or, once running, reported
 * that it cannot continue safely, so a restart may help.
 */
import { ConfigError } from '@platform/config';
import { createLogger, Logger } from './logger';
import { initMetrics } from './metrics';
import { startOpsServer } from './http-server';
import { onShutdown, shutdown } from './shutdown';

export interface ServiceConfig {
  logLevel: string;
  /** Where the ops server listens; none is started without it. */
  opsPort?: number;
  /** The ops server's listening address (default loopback). */
  host?: string;
}

export interface ServiceContext<C> {
  config: C;
  logger: Logger;
  /** For the running service to call when it cannot continue: shuts down and exits with status 1. */
  onFatal: () => void;
}

export interface RunServiceOptions<C extends ServiceConfig> {
  /** The app name on every log line and metric, and in the ready and failure messages. */
  name: string;
  /** Throws ConfigError when the environment is invalid. */
  loadConfig: () => C;
  /** Starts the service; `url` is where it answers, when it serves HTTP itself. */
  start: (context: ServiceContext<C>) => Promise<{ stop(): Promise<void>; url?: string }>;
  /** The reason the shutdown logs when the service calls onFatal. */
  fatalReason?: string;
}

export async function runService<C extends ServiceConfig>(options: RunServiceOptions<C>): Promise<void> {
  const { name } = options;
  let config: C;
  try {
    config = options.loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return process.exit(2);
    }
    return failedToStart(name, error);
  }
  try {
    const log = createLogger(name, config.logLevel);
    initMetrics(name);
    const ops = config.opsPort === undefined ? undefined : await startOpsServer(config.opsPort, config.host);
    const service = await options.start({ config, logger: log, onFatal: () => void shutdown(options.fatalReason ?? `${name} failed`, 1) });
    // The service stops while /health still answers (not ready), so an orchestrator sees it draining.
    onShutdown(name, () => service.stop());
    if (ops) onShutdown('ops-server', () => new Promise<void>((resolve) => ops.close(() => resolve())));
    log.info(ops ? { ops_port: config.opsPort } : { url: service.url }, `${name} ready`);
  } catch (error) {
    return failedToStart(name, error);
  }
}

function failedToStart(name: string, error: unknown): never {
  createLogger(name).fatal({ err: error }, `${name} failed to start`);
  return process.exit(1);
}
