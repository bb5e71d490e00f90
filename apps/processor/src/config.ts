/** The processor's configuration from the environment, validated at startup (fails naming the variable). */
import { hostname } from 'os';
import { commonEnv, ConfigOf, env, loadEnv } from '@platform/runtime';

type Source = Record<string, string | undefined>;

const spec = {
  ...commonEnv,
  group: env.string('PROCESSOR_GROUP', { default: 'processor' }),
  opsPort: env.int('PROCESSOR_OPS_PORT', { default: 9101, min: 0, max: 65535 }),
  /**
   * The stages this process runs: `a` (validate, repartition), `b` (windows), or both. A deployment
   * can run each stage as its own process (one per core); the stages only meet through Kafka.
   */
  stages: env.subset('PROCESSOR_STAGES', ['a', 'b'] as const, { default: ['a', 'b'] }),
  /**
   * With both stages in one process, stage A runs on a worker thread of its own (so the two use two
   * cores) unless this is off; its metrics are served with the process's.
   */
  stageThreads: env.bool('PROCESSOR_STAGE_THREADS', { default: true }),
  instanceId: env.string('PROCESSOR_INSTANCE_ID', { default: `${hostname()}-${process.pid}` }),
  /** How often each stage B task re-evaluates its watermark in processing time (idle sources). */
  timerIntervalMs: env.duration('PROCESSOR_TIMER_INTERVAL', { default: '1s' }),
  /**
   * Under backlog a task commits when this long has passed since its first uncommitted record (as
   * Kafka Streams' commit.interval.ms); a batch that reaches its partition's end commits at once.
   */
  commitIntervalMs: env.duration('PROCESSOR_COMMIT_INTERVAL', { default: '200ms' }),
  /** A caught-up task commits at once unless it committed less than this ago (then when this is reached). */
  commitLingerMs: env.duration('PROCESSOR_COMMIT_LINGER', { default: '50ms' }),
  /** Records per transaction at most (a task commits when it has fed this many). */
  maxBatchRecords: env.int('PROCESSOR_MAX_BATCH', { default: 20_000, min: 1 }),
  /** Partitions each stage works on at once (each has its own transactional producer). */
  concurrency: env.int('PROCESSOR_CONCURRENCY', { default: 6, min: 1, max: 64 }),
  sessionTimeoutMs: env.duration('PROCESSOR_KAFKA_SESSION_TIMEOUT', { default: '30s' }),
  shutdownTimeoutMs: env.duration('PROCESSOR_SHUTDOWN_TIMEOUT', { default: '30s' }),
};

export type ProcessorConfig = ConfigOf<typeof spec>;

export function loadProcessorConfig(source: Source = process.env): ProcessorConfig {
  return loadEnv(spec, source);
}
