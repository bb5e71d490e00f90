/**
 * Stage A: validate, enrich, repartition. Consumes every event topic (group `<group>-a`, read
 * committed); each source partition is a task whose transaction holds the repartition records
 * (keyed `<type>|<group key>`, each carrying its source record), a watermark marker for every
 * repartition partition, the refusals and the consumed offsets. A refused event with an event id
 * reaches the DLQ through stage B, whose event-id dedupe keeps a resent copy from being reported
 * twice; a record without one (undecodable) goes to the DLQ from here.
 */
import { buildDlqRecord, dlqMessage, HEADERS } from '@platform/contracts';
import { headersToStrings, TaskOutput, partitionForKey, StreamTask, TaskRecord, TopicPartition } from '@platform/kafka';
import { encodeEvent, encodeMarker, encodeRefusal, MARKER_KEY, refusalKey, repartitionKey, sourceName } from '../processing';
import { processorMetrics } from '../metrics';
import { Stage, StageDeps } from '../stage-runtime';
import { repartitionTopic, taskCount } from '../topology';
import { RecordValidator } from './validator';

class ValidateTask implements StreamTask {
  private out: TaskOutput[] = [];
  private maxEventTime = -Infinity;
  private readonly name: string;

  constructor(
    private readonly tp: TopicPartition,
    private readonly validator: RecordValidator,
    private readonly deps: StageDeps,
    private readonly repartition: string,
    private readonly partitions: number,
  ) {
    this.name = sourceName(tp.topic, tp.partition);
  }

  async process(records: TaskRecord[]): Promise<void> {
    const { topic, partition } = this.tp;
    for (const message of records) {
      const decision = await this.validator.decide(message.value, this.name);
      const source = { topic, partition, offset: message.offset, key: message.key, value: message.value, headers: headersToStrings(message.headers) };
      if (decision.kind === 'event') {
        const { event } = decision;
        const key = repartitionKey(event.eventType, event.groupKey ?? '');
        const headers: Record<string, string> = { [HEADERS.eventId]: event.eventId };
        if (decision.traceId) headers[HEADERS.traceId] = decision.traceId;
        // The source record rides along: a late event leaves stage B exactly as it came.
        this.out.push({ topic: this.repartition, partition: partitionForKey(key, this.partitions), key, value: encodeEvent(event, source), headers });
        if (event.timestamp > this.maxEventTime) this.maxEventTime = event.timestamp;
      } else {
        const record = buildDlqRecord(source, { type: decision.type, message: decision.message }, { failedIn: 'processor', eventId: decision.eventId, traceId: decision.traceId });
        const dlq = dlqMessage(record, message.key);
        if (decision.eventId === null) {
          this.out.push({ topic: this.deps.pipeline.topics.dlq.name, ...dlq });
          processorMetrics.dlq.inc({ reason: decision.type });
        } else {
          const key = refusalKey(decision.eventId);
          const dlqKey = dlq.key === null ? null : Buffer.from(dlq.key);
          const value = encodeRefusal({ eventId: decision.eventId, eventTime: decision.eventTime, dlqKey, dlqRecord: dlq.value });
          this.out.push({ topic: this.repartition, partition: partitionForKey(key, this.partitions), key, value, headers: { [HEADERS.eventId]: decision.eventId } });
        }
        this.deps.log.warn({ trace_id: record.trace_id, event_id: record.event_id, error_type: decision.type, source: `${this.name}@${message.offset}` }, `to DLQ: ${decision.message}`);
      }
    }
  }

  prepareCommit(): TaskOutput[] {
    const out = this.out;
    if (this.maxEventTime > -Infinity) {
      // Every stage B task tracks this source's clock, including tasks none of its events went to.
      const value = encodeMarker({ partition: this.name, eventTime: this.maxEventTime });
      for (let p = 0; p < this.partitions; p++) out.push({ topic: this.repartition, partition: p, key: MARKER_KEY, value });
    }
    this.close();
    return out;
  }

  close(): void {
    this.out = [];
    this.maxEventTime = -Infinity;
  }
}

/** Stage A's tasks are created per source partition (transactional id `<group>-a-<topic>-<partition>`). */
export class StageA extends Stage<ValidateTask> {
  constructor(deps: StageDeps) {
    const validators = new Map(deps.pipeline.eventTypes.map((spec) => [spec.topic, new RecordValidator(spec, deps.catalog, deps.reference, deps.config.eventTimeMaxFutureSkewMs)]));
    const repartition = repartitionTopic(deps.pipeline);
    const partitions = taskCount(deps.pipeline);
    super(deps, {
      stage: 'a',
      topics: deps.pipeline.eventTypes.map((t) => t.topic),
      tickMs: deps.config.commitIntervalMs,
      factory: {
        transactionalId: ({ topic, partition }) => `${deps.config.group}-a-${topic}-${partition}`,
        open: async (tp) => {
          const validator = validators.get(tp.topic);
          if (!validator) throw new Error(`no event type for topic ${tp.topic}`);
          return new ValidateTask(tp, validator, deps, repartition, partitions);
        },
      },
    });
  }
}
