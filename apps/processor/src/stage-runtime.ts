/**
 * What both stages share around the task runtime (@platform/kafka's TaskManager): their
 * dependencies, the consumer group per stage, and the metrics of commits and consumption.
 */
import { Admin, Consumer, Kafka } from 'kafkajs';
import { PipelineConfig, Logger } from '@platform/runtime';
import {
  AdminOffsets,
  createConsumer,
  KafkaTaskProducers,
  runTaskConsumer,
  StreamTask,
  TaskFactory,
  TaskManager,
  TaskManagerObserver,
} from '@platform/kafka';
import { ReferenceTable } from './processing';
import { SchemaCatalog } from '@platform/schema';
import { ProcessorConfig } from './config';
import { processorMetrics } from './metrics';
import { stageGroupId } from './topology';

export interface StageDeps {
  kafka: Kafka;
  admin: Admin;
  pipeline: PipelineConfig;
  catalog: SchemaCatalog;
  reference: ReferenceTable;
  config: ProcessorConfig;
  producers: KafkaTaskProducers;
  log: Logger;
  /** Called when a stage's consumer stopped for good (e.g. a missing ACL): the process must stop. */
  onFatal?: (error: Error) => void;
}

function observer(stage: 'a' | 'b', log: Logger): TaskManagerObserver {
  return {
    onCommit(_tp, request, seconds) {
      processorMetrics.transactions.inc({ stage, outcome: 'commit' });
      processorMetrics.transactionDuration.observe({ stage }, seconds);
      const perTopic = new Map<string, number>();
      for (const r of request.records) perTopic.set(r.topic, (perTopic.get(r.topic) ?? 0) + 1);
      for (const [topic, n] of perTopic) processorMetrics.recordsOut.inc({ topic }, n);
    },
    onAbort: () => processorMetrics.transactions.inc({ stage, outcome: 'abort' }),
    onBatch({ topic, partition }, lag, records) {
      processorMetrics.consumerLag.set({ topic, partition: String(partition) }, Number(lag));
      if (records > 0) processorMetrics.recordsIn.inc({ topic }, records);
    },
    onWarning: (message, details) => log.warn(details, message),
  };
}

export interface StageOptions<T extends StreamTask> {
  stage: 'a' | 'b';
  factory: TaskFactory<T>;
  topics: string[];
  /** How often tasks are punctuated and interval commits checked. */
  tickMs: number;
  /** Runs before each tick (e.g. refreshing what the tasks punctuate with). */
  beforeTick?: () => Promise<void>;
}

/** One stage: its consumer group, whose partitions are tasks run by a TaskManager. */
export class Stage<T extends StreamTask> {
  readonly groupId: string;
  readonly manager: TaskManager<T>;
  private consumer?: Consumer;
  private timer?: NodeJS.Timeout;
  private ticking = false;
  private stopping = false;

  constructor(
    private readonly deps: StageDeps,
    private readonly options: StageOptions<T>,
  ) {
    const { stage, factory } = options;
    this.groupId = stageGroupId(deps.config, stage);
    this.manager = new TaskManager({
      groupId: this.groupId,
      factory,
      producers: deps.producers,
      offsets: new AdminOffsets(deps.admin),
      commitIntervalMs: deps.config.commitIntervalMs,
      maxUncommittedRecords: deps.config.maxBatchRecords,
      lingerMs: deps.config.commitLingerMs,
      observer: observer(stage, deps.log),
    });
  }

  async start(): Promise<void> {
    const { kafka, config, onFatal } = this.deps;
    this.consumer = createConsumer(kafka, this.groupId, {
      sessionTimeout: config.sessionTimeoutMs,
      heartbeatInterval: Math.min(3000, config.sessionTimeoutMs / 3),
    });
    await runTaskConsumer(this.consumer, this.manager, { topics: this.options.topics, concurrency: config.concurrency, onFatal });
    this.timer = setInterval(() => void this.tick(), this.options.tickMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopping) return;
    this.ticking = true;
    try {
      await this.options.beforeTick?.();
      if (!this.stopping) await this.manager.tick();
    } finally {
      this.ticking = false;
    }
  }

  /** Leaves the group (kafkajs finishes the batches in flight), then commits what the tasks hold. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    try {
      await this.consumer?.disconnect();
    } finally {
      await this.manager.closeAll();
    }
  }
}
