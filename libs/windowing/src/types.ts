/**
 * Plain data in and out of the windowing engine. Everything here is JSON-serializable so the
 * processor can put results on Kafka and state mutations in a compacted changelog topic.
 */

export type WindowKind = 'tumbling' | 'sliding' | 'session';

/**
 * One window definition. Structurally compatible with the pipeline config's WindowSpec, which
 * carries all three sizes and leaves the unused ones at 0.
 */
export interface WindowDefinition {
  /** Unique name, used in results and state keys (e.g. `tumbling_1m`). */
  name: string;
  kind: WindowKind;
  /** Window length for tumbling and sliding windows. */
  sizeMs?: number;
  /** Hop for sliding windows (a tumbling window is a sliding one whose advance is its size). */
  advanceMs?: number;
  /** Inactivity gap that closes a session. */
  gapMs?: number;
  /** Alignment of tumbling/sliding windows; 0 aligns them to the epoch (the usual choice). */
  offsetMs?: number;
  /** Overrides the engine-wide allowed lateness for this window definition. */
  allowedLatenessMs?: number;
}

/** How one event type is aggregated. Compatible with the pipeline config's EventTypeSpec. */
export interface EventTypeWindowing {
  name: string;
  /** Payload field (dotted path) whose numeric value feeds sum/avg/min/max. */
  valueField?: string;
  /**
   * Field(s) whose values form the group key, joined with '|'. `user_id`, `device_id` and
   * `event_type` name envelope fields; anything else is a (dotted) payload path.
   */
  groupBy?: string | readonly string[];
  /** Names of the window definitions this type uses; all of them when absent. */
  windows?: readonly string[];
}

export interface WindowingConfig {
  windows: readonly WindowDefinition[];
  /** Bounded out-of-orderness: a partition's watermark is its max event time minus this. */
  maxOutOfOrdernessMs: number;
  /** How long after a window's end late events still update it (and re-emit it). */
  allowedLatenessMs: number;
  /**
   * Processing time (the `nowMs` passed in) after which a partition with no records stops holding
   * the watermark back. Absent or <= 0: partitions never count as idle.
   */
  idleTimeoutMs?: number;
  /**
   * Event-time retention of seen event ids: an id is forgotten once the watermark passes its event
   * time plus this. Default: the longest span in which a copy could still be counted (largest
   * window size or session gap, plus allowed lateness), which makes dedupe exact, since a copy
   * arriving after that is too late for every window. A shorter TTL bounds memory (about 100
   * bytes per id) at the price of counting again a copy that arrives later than the TTL.
   */
  dedupeTtlMs?: number;
  /** Dedupe expiry granularity (event-time ms); ids expire at most this much later than due. */
  dedupeBucketMs?: number;
  /** Per event type settings; types not listed use `defaults`. */
  eventTypes?: readonly EventTypeWindowing[];
  defaults?: Omit<EventTypeWindowing, 'name'>;
  /**
   * When allowed lateness is > 0 a window's on-time result is not final. With this set, the engine
   * emits one more copy with `final: true` when the window's state is purged.
   */
  emitFinalOnPurge?: boolean;
}

/** An event as the engine sees it (the processor maps the Avro envelope to this). */
export interface WindowEvent {
  eventId: string;
  eventType: string;
  /** Event time, epoch ms. */
  timestamp: number;
  userId?: string | null;
  deviceId?: string | null;
  payload?: Record<string, unknown> | null;
  /** Input partition the record came from (e.g. `events.clickstream-3`); watermarks are per partition. */
  partition?: string;
  /** Precomputed group key; overrides the configured groupBy. */
  groupKey?: string;
}

/**
 * A watermark marker: input partition `partition` has seen events up to `eventTime`, though none of
 * them may have come to this engine (after a repartition, a source's events spread over tasks).
 * It advances that partition's clock like an event would, without counting anything.
 */
export interface PartitionTime {
  partition: string;
  eventTime: number;
}

export interface WindowResult {
  eventType: string;
  windowKind: WindowKind;
  windowName: string;
  /** Inclusive, epoch ms. */
  windowStart: number;
  /** Exclusive, epoch ms. For a session: last event time + gap. */
  windowEnd: number;
  /** '' when the event type has no grouping. */
  groupKey: string;
  count: number;
  /** Number of events that carried a numeric value (the denominator of avg). */
  valueCount: number;
  /** null when no event in the window carried a numeric value. */
  sum: number | null;
  avg: number | null;
  min: number | null;
  max: number | null;
  distinctUsers: number;
  /** 1 for the first emission of a window, +1 for each later one (late update, retraction, final copy). */
  version: number;
  /** True when no later version of this window can follow. */
  final: boolean;
  /**
   * True when a session window emitted earlier no longer exists under these bounds because a late
   * event merged or extended it; downstream should delete the row. The new bounds follow separately.
   */
  retracted: boolean;
  firstEventTime: number;
  lastEventTime: number;
  /** Operator watermark when this result was produced. */
  watermark: number;
}

export interface MissedWindow {
  windowName: string;
  windowKind: WindowKind;
  windowStart: number;
  /** For a session: the event's own session proposal [t, t + gap). */
  windowEnd: number;
}

export interface LateRejection {
  reason: 'LATE';
  event: WindowEvent;
  /** Windows whose state was already purged (watermark >= end + allowed lateness). */
  missed: MissedWindow[];
  /**
   * True when the event still counted in some other window (e.g. a 15 minute one while the
   * 1 minute one was purged). False: it counted nowhere and belongs on the late topic.
   */
  partial: boolean;
  /** Operator watermark the event was judged against. */
  watermark: number;
}

export interface InvalidRejection {
  reason: 'INVALID';
  event: WindowEvent;
  message: string;
}

export type Rejection = LateRejection | InvalidRejection;

/** JSON value of a state key; null is a tombstone (delete). */
export type StateValue = { [field: string]: unknown };

export interface StateMutation {
  key: string;
  value: StateValue | null;
}

export interface EngineOutput {
  /** Emitted aggregates, in a deterministic order. */
  results: WindowResult[];
  rejected: Rejection[];
  /** event ids dropped because they were already counted. */
  duplicates: string[];
  /**
   * State changes of this call, one per key (last write wins). Replaying all outputs' mutations in
   * order, or only the latest value per key (a compacted topic), into `restore` rebuilds the state.
   */
  mutations: StateMutation[];
  /** Operator watermark after the call. */
  watermark: number;
}
