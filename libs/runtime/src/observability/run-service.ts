/**
 * The process entry point of every app: config from the environment, the logger, metrics, the ops
 * server (/metrics, /health) for a service without an HTTP API of its own (processor, sink; those
 * with one, the ingest API and the registry, serve both themselves and set no `opsPort`), the
 * service, and graceful shutdown on SIGINT/SIGTERM.
 *
 * A start that fails because a dependency is not reachable yet (the app's `isRetriable` says which
 * failures those are) is retried in place with backoff until START_RETRY_TIMEOUT; start() closes what
 * it opened before it throws, so each attempt begins clean.
 *
 * A start that throws FinalStartError is never retried in place, whatever its cause: the process exits
 * and its supervisor starts a clean one (for a start that may have left state it cannot undo).
 *
 * Exit status 2 means the configuration is invalid (the message on stderr names every variable to
 * fix), so a supervisor need not restart it; 1 means it failed to start (at once for a failure no
 * retry fixes, such as rejected credentials) or, once running, reported that it cannot continue
 * safely, so a restart may help.
 */
import { ConfigError } from '../config';
import { RetriesExhaustedError, withRetry } from '../resilience';
import { health } from './health';
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
  /** How long a retriable start failure is retried (START_RETRY_TIMEOUT); 2 minutes when absent. */
  startRetryTimeoutMs?: number;
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
  /**
   * True for a start failure that may pass on its own (Kafka or the registry not reachable yet):
   * start is tried again. By default only errors flagged `retriable: true` are.
   */
  isRetriable?: (error: unknown) => boolean;
}

const DEFAULT_START_RETRY_TIMEOUT_MS = 120_000;
/** The first retry waits about a second, later ones at most 15 s. */
const START_BACKOFF = { baseDelayMs: 1000, maxDelayMs: 15_000, jitterRatio: 0.2 };

const flaggedRetriable = (error: unknown) => (error as { retriable?: unknown } | null)?.retriable === true;

/**
 * A start failure that must not be retried in this process, even when its cause would be (a broker
 * that is down): the start may have left something running that only a new process clears.
 */
export class FinalStartError extends Error {
  constructor(message: string, cause: unknown) {
    super(`${message}: ${messageOf(cause)}`, { cause });
    this.name = 'FinalStartError';
  }
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
    const context = { config, logger: log, onFatal: () => void shutdown(options.fatalReason ?? `${name} failed`, 1) };
    // Not ready while starting (or waiting to start again): the service registers its own checks once up.
    let started = false;
    health.register('started', async () => started);
    const timeoutMs = config.startRetryTimeoutMs ?? DEFAULT_START_RETRY_TIMEOUT_MS;
    const service = await withRetry(() => options.start(context), {
      ...START_BACKOFF,
      maxAttempts: Number.POSITIVE_INFINITY,
      maxElapsedMs: timeoutMs,
      retryable: (error) => !(error instanceof FinalStartError) && (options.isRetriable ?? flaggedRetriable)(error),
      onRetry: (error, attempt, delayMs) =>
        log.warn({ err: error, attempt, retry_in_ms: Math.round(delayMs) }, `${name} could not start (${messageOf(error)}); retrying`),
    }).catch((error: unknown) => {
      if (!(error instanceof RetriesExhaustedError)) throw error;
      throw new StartTimedOutError(
        `${name} could not start within START_RETRY_TIMEOUT (${timeoutMs} ms, ${error.attempts} attempts): ${messageOf(error.lastError)}`,
        error.lastError,
      );
    });
    started = true;
    // The service stops while /health still answers (not ready), so an orchestrator sees it draining.
    onShutdown(name, () => service.stop());
    if (ops) onShutdown('ops-server', () => new Promise<void>((resolve) => ops.close(() => resolve())));
    log.info(ops ? { ops_port: config.opsPort } : { url: service.url }, `${name} ready`);
  } catch (error) {
    return failedToStart(name, error);
  }
}

class StartTimedOutError extends Error {
  constructor(
    message: string,
    readonly lastError: unknown,
  ) {
    super(message);
    this.name = 'StartTimedOutError';
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function failedToStart(name: string, error: unknown): never {
  const message = error instanceof StartTimedOutError ? error.message : `${name} failed to start`;
  createLogger(name).fatal({ err: error instanceof StartTimedOutError ? error.lastError : error }, message);
  return process.exit(1);
}
