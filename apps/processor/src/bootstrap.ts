/**
 * Wires the processor: topics, schema catalog, reference tables, then stage A (validate, enrich,
 * repartition) and stage B (windows), each its own consumer group. PROCESSOR_STAGES chooses the
 * stages a process runs; with both, stage A runs on a worker thread of its own (stage-thread.ts)
 * unless PROCESSOR_STAGE_THREADS is off, so the two stages use two cores.
 * `startProcessor` is what main.ts and in-process tests call.
 */
import { Admin } from 'kafkajs';
import {
  loadPipelineConfig,
  PipelineConfig,
  pipelineTopics,
  FinalStartError,
  health,
  Logger,
  logger as rootLogger,
} from '@platform/runtime';
import { createAdmin, createKafka, ensureTopics, KafkaTaskProducers, kafkaSettings, topicReplication } from '@platform/kafka';
import { RegistryClient, SchemaCatalog } from '@platform/schema';
import { ProcessorConfig } from './config';
import { ReferenceStore } from './reference-store';
import { StageA } from './stage-a/stage-a';
import { StageB } from './stage-b/stage-b';
import { startStageThread, StageThread } from './stage-thread';
import { internalTopicPlans } from './topology';

export interface ProcessorOptions {
  config: ProcessorConfig;
  /** Defaults to the file at config.pipelineConfigPath. */
  pipeline?: PipelineConfig;
  logger?: Logger;
  /** Called when the processor cannot continue (a consumer stopped for good). */
  onFatal?: (error: Error) => void;
}

/** The options with the pipeline and the logger resolved (once, by startProcessor). */
interface ResolvedOptions extends ProcessorOptions {
  pipeline: PipelineConfig;
  logger: Logger;
}

export interface ProcessorHandle {
  /** The stages running on this thread: undefined for a stage not run here or run on its own thread. */
  readonly stageA?: StageA;
  readonly stageB?: StageB;
  /** Graceful: stop consuming, finish the transactions in flight, disconnect. */
  stop(): Promise<void>;
}

export async function startProcessor(options: ProcessorOptions): Promise<ProcessorHandle> {
  const { config } = options;
  // Resolved once, here: the stages on this thread and stage A's thread get the same ones.
  const log = options.logger ?? rootLogger();
  const pipeline = options.pipeline ?? loadPipelineConfig(config.pipelineConfigPath);
  const resolved: ResolvedOptions = { ...options, pipeline, logger: log };
  if (!config.stageThreads || config.stages.length < 2) return startStages(resolved);
  // Stage B here first, then stage A's thread: a start that fails (a registry not reachable yet)
  // fails at once, without waiting for the thread to load, so runService can retry it in time.
  const local = await startStages({ ...resolved, config: { ...config, stages: ['b'] } });
  let thread: StageThread;
  try {
    thread = await startStageThread({
      config: { ...config, stages: ['a'], stageThreads: false },
      pipeline,
      logger: log,
      onFatal: options.onFatal,
    });
  } catch (error) {
    await local.stop().catch(() => undefined);
    throw new StagesNotStartedError(error);
  }
  let stopped: Promise<void> | undefined;
  health.register('processor-stage-a-thread', async () => !stopped && thread.running());
  return {
    stageB: local.stageB,
    stop: () => (stopped ??= Promise.all([thread.stop(), local.stop()]).then(() => undefined)),
  };
}

/** Runs the stages `config.stages` names on this thread, with the options startProcessor resolved. */
async function startStages(options: ResolvedOptions): Promise<ProcessorHandle> {
  const { config, pipeline, logger: log } = options;
  const runs = (stage: 'a' | 'b') => config.stages.includes(stage);
  const kafka = createKafka(kafkaSettings(config, { clientId: `${config.kafkaClientId}-processor-${config.instanceId}` }));
  const admin: Admin = createAdmin(kafka);
  await admin.connect();
  const catalog = new SchemaCatalog(
    new RegistryClient(config.schemaRegistryUrl, { credentials: config.schemaRegistryCredentials }),
    pipeline,
  );
  const reference = new ReferenceStore(kafka, pipeline, log);
  try {
    await ensureTopics(
      admin,
      [...pipelineTopics(pipeline).filter((p) => p.topic !== pipeline.topics.schemas.name), ...internalTopicPlans(pipeline)],
      topicReplication(config, pipeline),
    );
    await catalog.registerPipelineSchemas();
    // Only stage A enriches from the reference tables.
    if (runs('a')) await reference.start();
  } catch (error) {
    // Nothing may stay connected when start fails, or the process (or a test run) cannot exit.
    await reference.stop().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    throw error;
  }

  const producers = new KafkaTaskProducers(kafka);
  const deps = { kafka, admin, pipeline, catalog, reference: reference.table, config, producers, log, onFatal: options.onFatal };
  const stageA = runs('a') ? new StageA(deps) : undefined;
  const stageB = runs('b') ? new StageB(deps) : undefined;
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      await Promise.all([stageA?.stop(), stageB?.stop()]);
      await reference.stop();
      await producers.closeAll();
      await admin.disconnect().catch(() => undefined);
      log.info('processor stopped');
    })();
    return stopped;
  };
  try {
    await stageB?.start();
    await stageA?.start();
  } catch (error) {
    await stop().catch(() => undefined);
    throw new StagesNotStartedError(error);
  }
  health.register('processor', async () => !stopped);
  log.info(
    { group: config.group, instance: config.instanceId, stages: config.stages, topics: pipeline.eventTypes.map((t) => t.topic) },
    'processor started',
  );
  return { stageA, stageB, stop };
}

/**
 * A stage failed to start after the other had joined its group. Not retried in place: a stage's
 * consumer and tasks can outlive its stop while a batch is in flight, and chaos runs showed a retried
 * start in the same process leaving windows that never fired. The process exits and its supervisor
 * starts a clean one.
 */
export class StagesNotStartedError extends FinalStartError {
  constructor(cause: unknown) {
    super("the processor's stages did not start", cause);
    this.name = 'StagesNotStartedError';
  }
}
