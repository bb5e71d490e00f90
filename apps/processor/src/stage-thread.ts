/**
 * A stage on a worker thread of its own, so that the two stages of one process use two cores (both
 * on one thread left the second core to the broker and idle: kafkajs's record encoding and copies
 * take most of each stage's time, and neither stage waits on the other but through Kafka).
 *
 * The thread runs `startProcessor` with its stages and talks to the thread that started it in a few
 * messages: started or failed (with the error's name, message, code and whether it is retriable),
 * fatal (its consumer stopped for good: the process must stop, as onFatal says), its metrics on
 * request (served with the process's on /metrics), and stop / stopped. The thread's own exit or an
 * error it did not catch is fatal too, unless it was told to stop.
 */
import { extname, join, resolve } from 'path';
import { isMainThread, parentPort, Worker, workerData } from 'worker_threads';
import {
  fromPortable,
  PipelineConfig,
  PortableConfig,
  toPortable,
  addThreadMetrics,
  createLogger,
  Logger,
  MetricsSnapshot,
  registry,
  threadMetricsLabels,
} from '@platform/runtime';
import { ProcessorConfig } from './config';

interface ThreadData {
  /** Portable: a structured clone would drop the secrets a loaded config hides (the SASL password). */
  config: PortableConfig<ProcessorConfig>;
  pipeline: PipelineConfig;
  app: string;
  logLevel: string;
  labels: Record<string, string>;
}

interface SerializedError {
  name: string;
  message: string;
  code?: unknown;
  retriable?: unknown;
}

type ToThread = { type: 'stop' } | { type: 'metrics'; id: number };
type FromThread =
  | { type: 'started' }
  | { type: 'failed'; error: SerializedError }
  | { type: 'fatal'; error: SerializedError }
  | { type: 'metrics'; id: number; metrics: MetricsSnapshot }
  | { type: 'stopped' };

export interface StageThread {
  /** False once the thread has exited. */
  running(): boolean;
  /** Stops the thread's stages gracefully (their transactions in flight finish), then the thread. */
  stop(): Promise<void>;
}

export interface StageThreadOptions {
  config: ProcessorConfig;
  pipeline: PipelineConfig;
  logger: Logger;
  onFatal?: (error: Error) => void;
  /** The module and export the thread runs (default: this file's `runStageThread`, which starts the processor). */
  entry?: { file: string; name: string };
}

/** What a stage thread starts: the processor's stages, or a fake in the specs. */
export type StartOnThread = (options: {
  config: ProcessorConfig;
  pipeline: PipelineConfig;
  logger: Logger;
  onFatal: (error: Error) => void;
}) => Promise<{ stop(): Promise<void> }>;

function serialize(error: unknown): SerializedError {
  const e = error as { name?: unknown; message?: unknown; code?: unknown; retriable?: unknown } | null;
  return { name: String(e?.name ?? 'Error'), message: String(e?.message ?? error), code: e?.code, retriable: e?.retriable };
}

function revive({ name, message, code, retriable }: SerializedError): Error {
  const error = new Error(message);
  error.name = name;
  return Object.assign(error, code === undefined ? {} : { code }, retriable === undefined ? {} : { retriable });
}

/** Starts the stages `options.config.stages` names on a new thread; resolves once they have started. */
export function startStageThread(options: StageThreadOptions): Promise<StageThread> {
  const { logger } = options;
  const data: ThreadData = {
    config: toPortable(options.config),
    pipeline: options.pipeline,
    app: String(logger.bindings().app ?? 'processor'),
    logLevel: logger.level,
    labels: threadMetricsLabels(),
  };
  // Run from TypeScript sources (scripts/register.js, tests), the thread needs the same loader.
  const typescript = extname(__filename) === '.ts';
  const preload = typescript ? `require(${JSON.stringify(resolve(__dirname, '../../../scripts/register.js'))});` : '';
  const entry = options.entry ?? { file: join(__dirname, `stage-thread${extname(__filename)}`), name: 'runStageThread' };
  const worker = new Worker(`${preload}require(${JSON.stringify(entry.file)})[${JSON.stringify(entry.name)}]();`, {
    eval: true,
    workerData: data,
  });

  let exited = false;
  let stopping = false;
  let nextId = 0;
  const pendingMetrics = new Map<number, (metrics: MetricsSnapshot) => void>();
  let onStopped: () => void = () => undefined;
  const stoppedMessage = new Promise<void>((resolveStopped) => (onStopped = resolveStopped));
  const fatal = (error: Error) => {
    if (stopping) return;
    logger.error({ err: error }, 'stage thread cannot continue');
    options.onFatal?.(error);
  };
  const removeMetrics = addThreadMetrics(
    () =>
      new Promise<MetricsSnapshot>((resolveMetrics) => {
        if (exited) return resolveMetrics([]);
        const id = nextId++;
        pendingMetrics.set(id, resolveMetrics);
        worker.postMessage({ type: 'metrics', id } satisfies ToThread);
      }),
  );

  return new Promise<StageThread>((resolveStarted, rejectStarted) => {
    let started = false;
    worker.on('message', (message: FromThread) => {
      switch (message.type) {
        case 'started':
          started = true;
          resolveStarted({ running: () => !exited, stop });
          break;
        case 'failed':
          rejectStarted(revive(message.error));
          void worker.terminate();
          break;
        case 'fatal':
          fatal(revive(message.error));
          break;
        case 'metrics':
          pendingMetrics.get(message.id)?.(message.metrics);
          pendingMetrics.delete(message.id);
          break;
        case 'stopped':
          onStopped();
          break;
      }
    });
    worker.on('error', (error) => (started ? fatal(error) : rejectStarted(error)));
    worker.on('exit', (code) => {
      exited = true;
      removeMetrics();
      for (const answer of pendingMetrics.values()) answer([]);
      pendingMetrics.clear();
      onStopped();
      if (!started) rejectStarted(new Error(`the stage thread exited (code ${code}) before its stages started`));
      else fatal(new Error(`the stage thread exited (code ${code})`));
    });

    let stopped: Promise<void> | undefined;
    function stop(): Promise<void> {
      stopped ??= (async () => {
        stopping = true;
        if (exited) return;
        worker.postMessage({ type: 'stop' } satisfies ToThread);
        await stoppedMessage;
        await worker.terminate();
      })();
      return stopped;
    }
  });
}

/** The thread's side (its entry point): starts the processor with the stages it was given. */
export function runStageThread(): void {
  // Loaded here, not at the top: bootstrap.ts imports this file.
  serveStageThread((options) => import('./bootstrap').then(({ startProcessor }) => startProcessor(options)));
}

/** Runs `start` on this (stage) thread and answers the thread that started it. */
export function serveStageThread(start: StartOnThread): void {
  if (isMainThread || !parentPort) throw new Error('a stage thread serves only on a worker thread');
  const port = parentPort;
  const data = workerData as ThreadData;
  const send = (message: FromThread) => port.postMessage(message);
  registry.setDefaultLabels(data.labels);
  const logger = createLogger(data.app, data.logLevel);
  let handle: { stop(): Promise<void> } | undefined;
  port.on('message', (message: ToThread) => {
    if (message.type === 'metrics') {
      void registry.getMetricsAsJSON().then((metrics) => send({ type: 'metrics', id: message.id, metrics }));
    } else if (message.type === 'stop') {
      void (handle?.stop() ?? Promise.resolve())
        .catch((error: unknown) => logger.error({ err: error }, 'stage thread did not stop cleanly'))
        .then(() => send({ type: 'stopped' }));
    }
  });
  start({
    config: fromPortable(data.config),
    pipeline: data.pipeline,
    logger,
    onFatal: (error) => send({ type: 'fatal', error: serialize(error) }),
  }).then(
    (started) => {
      handle = started;
      send({ type: 'started' });
    },
    (error: unknown) => send({ type: 'failed', error: serialize(error) }),
  );
}
