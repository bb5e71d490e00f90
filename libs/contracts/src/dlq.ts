/**
 * A dead-letter record: the original bytes and where they came from, why they failed and how often.
 * Written as JSON (original bytes in base64) so a person can read it and a replay can restore it.
 */
export type DlqErrorType =
  | 'DESERIALIZATION'
  | 'SCHEMA_VALIDATION'
  | 'BUSINESS_RULE'
  | 'LATE'
  /** Event time further ahead of the processing clock than EVENT_TIME_MAX_FUTURE_SKEW. */
  | 'EVENT_TIME_SKEW'
  | 'SINK_WRITE'
  | 'UNKNOWN_EVENT_TYPE'
  | 'PROCESSING';

export interface DlqRecord {
  original_message: string; // base64
  original_key: string | null;
  original_headers: Record<string, string>;
  error_type: DlqErrorType;
  error_message: string;
  retry_count: number;
  first_attempt_time: string; // ISO-8601
  last_attempt_time: string;
  source_topic: string;
  source_partition: number;
  source_offset: string;
  event_id: string | null;
  trace_id: string | null;
  failed_in: string; // which app
}

export interface DlqSource {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export function buildDlqRecord(
  source: DlqSource,
  error: { type: DlqErrorType; message: string },
  context: { failedIn: string; retryCount?: number; firstAttempt?: Date; lastAttempt?: Date; eventId?: string | null; traceId?: string | null },
): DlqRecord {
  const last = context.lastAttempt ?? new Date();
  return {
    original_message: (source.value ?? Buffer.alloc(0)).toString('base64'),
    original_key: source.key ? source.key.toString('utf8') : null,
    original_headers: source.headers,
    error_type: error.type,
    error_message: error.message.slice(0, 2000),
    retry_count: context.retryCount ?? 0,
    first_attempt_time: (context.firstAttempt ?? last).toISOString(),
    last_attempt_time: last.toISOString(),
    source_topic: source.topic,
    source_partition: source.partition,
    source_offset: source.offset,
    event_id: context.eventId ?? source.headers['event_id'] ?? null,
    trace_id: context.traceId ?? source.headers['trace_id'] ?? null,
    failed_in: context.failedIn,
  };
}

/** The Kafka record for a DLQ entry: its reason, event id and trace id also as headers, for filtering without decoding. */
export function dlqMessage(record: DlqRecord, key: Buffer | string | null): { key: Buffer | string | null; value: Buffer; headers: Record<string, string> } {
  const headers: Record<string, string> = { error_type: record.error_type };
  if (record.event_id) headers.event_id = record.event_id;
  if (record.trace_id) headers.trace_id = record.trace_id;
  return { key, value: encodeDlqRecord(record), headers };
}

export function encodeDlqRecord(record: DlqRecord): Buffer {
  return Buffer.from(JSON.stringify(record));
}

export function decodeDlqRecord(bytes: Buffer): DlqRecord {
  const parsed = JSON.parse(bytes.toString('utf8'));
  if (!parsed || typeof parsed.original_message !== 'string' || typeof parsed.source_topic !== 'string') {
    throw new Error('not a DLQ record');
  }
  return parsed as DlqRecord;
}
