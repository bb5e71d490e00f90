/**
 * Stage B: event-time windows. Consumes the repartition topic (group `<group>-b`); each partition
 * is a WindowTask with its own WindowingEngine, restored from its changelog partition when the task
 * is opened (after its producer fenced the previous owner).
 * A timer re-evaluates each caught-up task's watermark in processing time so idle sources let
 * windows close, and refreshes which sources stage A has not consumed to their end yet: those are
 * pending, never idle (see source-backlog.ts). Until a task has read its partition up to where it
 * stood at that refresh, every source is pending for it: what stage A has already passed on may
 * still be ahead of the task, and judging a source idle then would make its records late.
 */
import { readPartitionsToEnd } from '@platform/kafka';
import { decodeState } from '../processing';
import { DedupeChangelog, StateValue, WindowingEngine } from '@platform/windowing';
import { processorMetrics } from '../metrics';
import { Stage, StageDeps } from '../stage-runtime';
import { changelogTopic, repartitionTopic, sourcePartitions, stageGroupId } from '../topology';
import { PartitionRange, sourcesToHold, sourcesWithBacklog } from './source-backlog';
import { WindowTask } from './task';

export class StageB {
  readonly stage: Stage<WindowTask>;
  /** Sources whose input stage A has not consumed to the end; all of them until known. */
  private pendingSources: Set<string>;
  private readonly allSources: Set<string>;
  /** Per repartition partition, its [low, high) offsets read right after stage A's offsets. */
  private repartitionRange = new Map<number, PartitionRange>();
  private readonly positions = new Map<WindowTask, bigint | undefined>();

  constructor(private readonly stageDeps: StageDeps) {
    const { pipeline, config, kafka, log } = stageDeps;
    const topics = { repartition: repartitionTopic(pipeline), changelog: changelogTopic(pipeline) };
    this.stage = new Stage(stageDeps, {
      stage: 'b',
      topics: [topics.repartition],
      // Also the pending-sources refresh (two admin requests): at the timer interval, as before.
      tickMs: config.timerIntervalMs,
      beforeTick: () => this.refreshPendingSources(),
      factory: {
        transactionalId: ({ partition }) => `${config.group}-b-${partition}`,
        open: async ({ partition }) => {
          const state: Array<readonly [string, StateValue | null]> = [];
          await readPartitionsToEnd(kafka, topics.changelog, [partition], (_, m) => {
            if (m.key) state.push([m.key.toString('utf8'), m.value ? decodeState(m.value) : null]);
          });
          processorMetrics.restored.inc(state.length);
          const engine = new WindowingEngine({ ...pipeline.watermark, windows: pipeline.windows, dedupeTtlMs: pipeline.dedupeTtlMs, eventTypes: pipeline.eventTypes });
          const dedupe = new DedupeChangelog(engine.dedupeBucket);
          const summary = engine.restore(dedupe.unpack(state));
          const task = new WindowTask(partition, engine, stageDeps, topics, (t, position) => this.holdSources(t, position), dedupe);
          // Sources that have not reached this task yet hold its watermark until they send or go idle.
          task.seed(engine.assignPartitions(sourcePartitions(pipeline), Date.now()));
          this.holdSources(task, undefined);
          log.info({ task: partition, changelog_records: state.length, ...summary }, 'window task restored');
          return task;
        },
      },
    });
    this.allSources = new Set(sourcePartitions(pipeline));
    this.pendingSources = this.allSources;
  }

  get groupId(): string {
    return this.stage.groupId;
  }

  async start(): Promise<void> {
    await this.refreshPendingSources();
    await this.stage.start();
  }

  stop(): Promise<void> {
    return this.stage.stop();
  }

  /** The tasks open in this instance (for tests and metrics). */
  openTasks(): number[] {
    return this.stage.manager.openTasks().map((tp) => tp.partition);
  }

  /**
   * Reads which sources stage A has not consumed to their end and hands them to every engine. When
   * that cannot be read (broker unreachable), every source counts as pending: not knowing whether
   * input is on its way must hold the watermark, never release it.
   */
  private async refreshPendingSources(): Promise<void> {
    const { admin, config, pipeline, log } = this.stageDeps;
    try {
      const backlog = await sourcesWithBacklog(admin, stageGroupId(config, 'a'), pipeline.eventTypes.map((t) => t.topic));
      // Read after stage A's offsets, so it covers everything stage A had passed on by then.
      const ends = await admin.fetchTopicOffsets(repartitionTopic(pipeline));
      this.pendingSources = backlog;
      this.repartitionRange = new Map(ends.map((e) => [e.partition, { low: BigInt(e.low), high: BigInt(e.high) }]));
    } catch (error) {
      this.pendingSources = this.allSources;
      log.warn({ err: error }, 'could not read stage A backlog; holding every source');
    }
    for (const [task, position] of this.positions) {
      if (this.stage.manager.taskOf({ topic: repartitionTopic(pipeline), partition: task.partition }) === task) this.holdSources(task, position);
      else this.positions.delete(task);
    }
  }

  /** Hands the task the sources it must not judge idle (see sourcesToHold). */
  private holdSources(task: WindowTask, position: bigint | undefined): void {
    this.positions.set(task, position);
    const { hold, behind } = sourcesToHold(this.repartitionRange.get(task.partition), position, this.pendingSources, this.allSources);
    task.behindRefresh = behind;
    task.engine.setPendingPartitions(hold);
  }
}
