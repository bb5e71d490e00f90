/** The event envelope every event type shares; `payload` is typed per event type by its Avro schema. */
export interface EventEnvelope<P = Record<string, unknown>> {
  event_id: string;
  /** Event time, epoch milliseconds. */
  timestamp: number;
  event_type: string;
  user_id?: string | null;
  device_id?: string | null;
  trace_id?: string | null;
  metadata?: Record<string, string> | null;
  payload: P;
}

/** Header names carried on every Kafka record, so tracing and routing need no decode. */
export const HEADERS = {
  traceId: 'trace_id',
  eventId: 'event_id',
  eventType: 'event_type',
  /** Set on records replayed from the DLQ. */
  replayedFrom: 'replayed_from',
} as const;

export interface AggregatedRecord {
  window_start: number;
  window_end: number;
  window_name: string;
  window_kind: string;
  event_type: string;
  group_key: string;
  count: number;
  sum_value: number | null;
  avg_value: number | null;
  min_value: number | null;
  max_value: number | null;
  distinct_users: number;
  version: number;
  is_final: boolean;
  processed_time: number;
  /** A session emitted earlier under these bounds no longer exists (a late event merged or moved it). */
  retracted?: boolean;
}

/** Kafka key of an aggregate: one compacted slot per window, type and group. */
export function aggregateKey(r: Pick<AggregatedRecord, 'event_type' | 'window_name' | 'group_key' | 'window_start'>): string {
  return `${r.event_type}|${r.window_name}|${r.group_key}|${r.window_start}`;
}
