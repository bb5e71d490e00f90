/**
 * One stage B task: the windowing engine of one repartition partition and its changelog
 * partition. It feeds records to the engine and, at each commit, turns what the engine produced
 * since the last one into records: aggregates (Avro) to the aggregated topic, late events to the
 * late topic (as their Confluent-framed source records), invalid ones to the DLQ, state mutations
 * (last write per key, the event ids it remembered packed per expiry bucket: DedupeChangelog) to the
 * changelog. Stage A's refusals pass the same event-id dedupe as events
 * and reach the DLQ once per event.
 */
import { aggregateKey, buildDlqRecord, decodeDlqRecord, DlqSource, dlqMessage, HEADERS, lateMessage } from '@platform/contracts';
import { headersToStrings, TaskOutput, StreamTask, TaskContext, TaskRecord } from '@platform/kafka';
import { decodeRepartition, encodeState, Refusal, withoutSourceHeaders } from '../processing';
import { compactMutations, DedupeChangelog, EngineOutput, NO_WATERMARK, PartitionTime, WindowEvent, WindowingEngine } from '@platform/windowing';
import { processorMetrics } from '../metrics';
import { toAggregatedRecord } from '../records';
import { StageDeps } from '../stage-runtime';

interface Origin {
  record: TaskRecord;
  source?: DlqSource;
}

export class WindowTask implements StreamTask {
  /** Not yet at the partition end read by the last refresh: every source is held pending. */
  behindRefresh = false;
  /** Engine outputs since the last commit (the assignment of source partitions at open first). */
  private outputs: EngineOutput[] = [];
  private origin = new Map<WindowEvent, Origin>();
  private invalid: Array<{ record: TaskRecord; reason: string }> = [];
  /** First sightings of refused events since the last commit. */
  private refused: Refusal[] = [];
  private maxTime = 0;

  constructor(
    readonly partition: number,
    readonly engine: WindowingEngine,
    private readonly deps: StageDeps,
    private readonly topics: { repartition: string; changelog: string },
    /** Hands the task the sources it must not judge idle (owned by the stage). */
    private readonly hold: (task: WindowTask, position: bigint | undefined) => void,
    /** How remembered event ids go to the changelog (restored with the engine when the task opened). */
    private readonly dedupe = new DedupeChangelog(engine.dedupeBucket),
  ) {}

  /** Output to commit before anything is read (e.g. the assignment of source partitions). */
  seed(output: EngineOutput): void {
    this.outputs.push(output);
  }

  process(records: TaskRecord[], context: TaskContext): void {
    // Runs of equal record timestamps share one call, so idleness decisions replay exactly.
    let run: Array<WindowEvent | PartitionTime> = [];
    let runTime = NaN;
    for (const record of records) {
      let input: WindowEvent | PartitionTime;
      try {
        if (!record.value) throw new Error('repartition record without a value');
        const decoded = decodeRepartition(record.value, record.headers);
        if (decoded.kind === 'refusal') {
          // Ends the run: the id is remembered at the watermark the records before it left.
          if (run.length > 0) this.outputs.push(this.engine.processBatch(run, runTime));
          run = [];
          const seen = this.engine.recordRefusal(decoded.refusal.eventId, decoded.refusal.eventTime);
          if (seen.duplicates.length === 0) this.refused.push(decoded.refusal);
          this.outputs.push(seen);
          continue;
        }
        if (decoded.kind === 'event') {
          input = decoded.event;
          this.origin.set(input, { record, source: decoded.source });
        } else input = decoded.time;
      } catch (error) {
        this.invalid.push({ record, reason: (error as Error).message });
        continue;
      }
      const time = Number(record.timestamp);
      if (time > this.maxTime) this.maxTime = time;
      if (time !== runTime && run.length > 0) {
        this.outputs.push(this.engine.processBatch(run, runTime));
        run = [];
      }
      runTime = time;
      run.push(input);
    }
    if (run.length > 0) this.outputs.push(this.engine.processBatch(run, runTime));
    if (this.behindRefresh) this.hold(this, context.position);
  }

  punctuate(now: number, context: { caughtUp: boolean; lastBatchAt: number }): boolean {
    if (!context.caughtUp || now - context.lastBatchAt < this.deps.config.timerIntervalMs) return false;
    const out = this.engine.advanceWatermark(now);
    if (out.results.length === 0 && out.rejected.length === 0 && out.mutations.length === 0) return false;
    this.outputs.push(out);
    return true;
  }

  prepareCommit(): TaskOutput[] {
    const { pipeline, catalog } = this.deps;
    const out = mergeOutputs(this.outputs);
    const processedTime = this.maxTime || Date.now();
    const records: TaskOutput[] = [];
    for (const result of out.results) {
      const record = toAggregatedRecord(result, processedTime);
      records.push({ topic: pipeline.topics.aggregated.name, key: aggregateKey(record), value: catalog.encode(catalog.aggregated, record) });
    }
    for (const rejection of out.rejected) {
      const origin = this.origin.get(rejection.event);
      if (rejection.reason === 'LATE') {
        processorMetrics.late.inc();
        if (rejection.partial) continue;
        const missed = rejection.missed.map((m) => `${m.windowName}@${m.windowStart}`).join(', ');
        records.push(this.dead(origin?.record, origin?.source, 'LATE', `event at ${rejection.event.timestamp} is later than the allowed lateness (watermark ${rejection.watermark}); missed ${missed}`, rejection.event.eventId));
      } else {
        processorMetrics.dlq.inc({ reason: 'PROCESSING' });
        records.push(this.dead(origin?.record, undefined, 'PROCESSING', rejection.message, rejection.event.eventId));
      }
    }
    for (const refusal of this.refused) {
      const dlq = decodeDlqRecord(refusal.dlqRecord);
      processorMetrics.dlq.inc({ reason: dlq.error_type });
      records.push({ topic: pipeline.topics.dlq.name, ...dlqMessage(dlq, refusal.dlqKey) });
    }
    for (const { record, reason } of this.invalid) {
      processorMetrics.dlq.inc({ reason: 'PROCESSING' });
      records.push(this.dead(record, undefined, 'PROCESSING', reason, null));
    }
    for (const m of this.dedupe.pack(out.mutations, this.engine.watermark)) records.push({ topic: this.topics.changelog, partition: this.partition, key: m.key, value: m.value === null ? null : encodeState(m.value) });
    if (out.duplicates.length > 0) processorMetrics.duplicates.inc(out.duplicates.length);
    this.close();
    return records;
  }

  committed(context: TaskContext): void {
    // Always: the next pending-sources refresh compares the partition's end with this position. A stale
    // one would count the task as behind and hold every source, with no new input to commit and update it.
    this.hold(this, context.position);
    const stats = this.engine.stats();
    const label = { task: String(this.partition) };
    processorMetrics.openWindows.set(label, stats.openWindows);
    processorMetrics.stateEntries.set(label, stats.openWindows + stats.dedupeIds);
    if (stats.watermark > 0) processorMetrics.watermarkLag.set(label, Math.max(0, (Date.now() - stats.watermark) / 1000));
  }

  close(): void {
    this.outputs = [];
    this.origin = new Map();
    this.invalid = [];
    this.refused = [];
    this.maxTime = 0;
  }

  /**
   * A late event goes to the late topic as its source record (see lateMessage); anything else, or a
   * late event whose record carries no source (written before stage A carried it), to the DLQ as
   * the repartition record.
   */
  private dead(record: TaskRecord | undefined, carried: DlqSource | undefined, type: 'LATE' | 'PROCESSING', text: string, eventId: string | null): TaskOutput {
    const { pipeline, log } = this.deps;
    const headers = withoutSourceHeaders(headersToStrings(record?.headers));
    const key = record?.key ?? null;
    const repartitioned = { topic: this.topics.repartition, partition: this.partition, offset: record?.offset ?? '-1', key, value: record?.value ?? null, headers };
    const dlq = buildDlqRecord(carried ?? repartitioned, { type, message: text }, { failedIn: 'processor', eventId: eventId ?? headers[HEADERS.eventId] ?? null, traceId: headers[HEADERS.traceId] ?? null });
    log.warn({ trace_id: dlq.trace_id, event_id: dlq.event_id, error_type: type }, text);
    if (carried) {
      try {
        return { topic: pipeline.topics.late.name, ...lateMessage(carried, dlq) };
      } catch (error) {
        log.warn({ event_id: dlq.event_id, err: error }, 'late event without a Confluent-framed source record; to the DLQ');
      }
    }
    return { topic: pipeline.topics.dlq.name, ...dlqMessage(dlq, key) };
  }
}

/** Folds several engine outputs into one (mutations: last write per key). */
export function mergeOutputs(outputs: EngineOutput[]): EngineOutput {
  if (outputs.length === 1) return outputs[0];
  return {
    results: outputs.flatMap((o) => o.results),
    rejected: outputs.flatMap((o) => o.rejected),
    duplicates: outputs.flatMap((o) => o.duplicates),
    mutations: compactMutations(outputs.map((o) => o.mutations)),
    watermark: outputs.length > 0 ? outputs[outputs.length - 1].watermark : NO_WATERMARK,
  };
}
