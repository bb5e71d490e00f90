/**
 * A late-topic record: the event exactly as it was on its source topic (its key, its
 * Confluent-framed Avro value: magic byte 0, 4-byte schema id, Avro binary, and its headers), so any
 * Avro consumer reads it with the schema registry. Why it is there and where it came from travel in
 * headers named after the DLQ record's fields (error_type, error_message, source_topic, ...): one
 * convention for both, and `decodeLateRecord` turns a late record back into a DlqRecord.
 */
import { unframe } from '@platform/schema';
import { DlqErrorType, DlqRecord, DlqSource } from './dlq';

/** The DLQ record fields a late record carries as headers (event_id and trace_id are the source's own). */
const METADATA = ['error_type', 'error_message', 'retry_count', 'first_attempt_time', 'last_attempt_time', 'source_topic', 'source_partition', 'source_offset', 'failed_in'] as const;
const METADATA_SET: ReadonlySet<string> = new Set(METADATA);

export interface LateMessage {
  key: Buffer | null;
  value: Buffer;
  headers: Record<string, string>;
}

function framed(value: Buffer | null | undefined, what: string): Buffer {
  if (!value) throw new Error(`${what}: no value`);
  try {
    unframe(value);
  } catch (error) {
    throw new Error(`${what}: ${(error as Error).message}`);
  }
  return value;
}

/**
 * The late-topic record for `source` (the record as read from its source topic): its key, value and
 * headers unchanged, plus the metadata of `record` (built with buildDlqRecord from the same source).
 */
export function lateMessage(source: DlqSource, record: DlqRecord): LateMessage {
  const value = framed(source.value, 'a late record needs the Confluent-framed Avro value of its source record');
  const headers: Record<string, string> = { ...source.headers };
  for (const name of METADATA) headers[name] = String(record[name]);
  if (record.event_id) headers.event_id = record.event_id;
  if (record.trace_id) headers.trace_id = record.trace_id;
  return { key: source.key, value, headers };
}

/** A late record read back as a DlqRecord (value base64 in original_message); throws on anything else. */
export function decodeLateRecord(message: { key: Buffer | string | null; value: Buffer | null; headers: Record<string, string> }): DlqRecord {
  const h = message.headers;
  const value = framed(message.value, 'not a late record');
  if (!h.error_type || !h.source_topic || !h.source_offset) throw new Error('not a late record: no error_type, source_topic or source_offset header');
  const partition = Number(h.source_partition);
  const retries = Number(h.retry_count ?? '0');
  if (!Number.isInteger(partition) || !Number.isInteger(retries)) throw new Error('not a late record: source_partition or retry_count is not an integer');
  const original: Record<string, string> = {};
  for (const [name, value] of Object.entries(h)) if (!METADATA_SET.has(name)) original[name] = value;
  const key = message.key === null ? null : Buffer.isBuffer(message.key) ? message.key.toString('utf8') : message.key;
  return {
    original_message: value.toString('base64'),
    original_key: key,
    original_headers: original,
    error_type: h.error_type as DlqErrorType,
    error_message: h.error_message ?? '',
    retry_count: retries,
    first_attempt_time: h.first_attempt_time ?? h.last_attempt_time ?? '',
    last_attempt_time: h.last_attempt_time ?? '',
    source_topic: h.source_topic,
    source_partition: partition,
    source_offset: h.source_offset,
    event_id: h.event_id ?? null,
    trace_id: h.trace_id ?? null,
    failed_in: h.failed_in ?? '',
  };
}
