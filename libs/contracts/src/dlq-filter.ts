/** Which DLQ records a person asked for: by reason, source topic, time range and event id. Pure. */
import { DlqErrorType, DlqRecord } from './dlq';

export interface DlqFilter {
  errorType?: DlqErrorType | string;
  sourceTopic?: string;
  /** ISO-8601 or epoch ms bounds on the last attempt time. */
  since?: number;
  until?: number;
  eventId?: string;
}

export interface DlqEntry {
  /** Position of the DLQ record itself, the handle used to replay it. */
  dlqPartition: number;
  dlqOffset: string;
  record: DlqRecord;
}

export function matchesFilter(record: DlqRecord, filter: DlqFilter): boolean {
  if (filter.errorType && record.error_type !== filter.errorType) return false;
  if (filter.sourceTopic && record.source_topic !== filter.sourceTopic) return false;
  if (filter.eventId && record.event_id !== filter.eventId) return false;
  const at = Date.parse(record.last_attempt_time);
  if (filter.since !== undefined && !(at >= filter.since)) return false;
  if (filter.until !== undefined && !(at <= filter.until)) return false;
  return true;
}

export function parseTimeBound(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const asNumber = Number(value);
  const parsed = Number.isFinite(asNumber) ? asNumber : Date.parse(value);
  if (!Number.isFinite(parsed)) throw new Error(`${name} must be an ISO-8601 time or epoch milliseconds, got "${value}"`);
  return parsed;
}

/** A DLQ record's handle as text, `partition:offset`. */
export function entryId(entry: Pick<DlqEntry, 'dlqPartition' | 'dlqOffset'>): string {
  return `${entry.dlqPartition}:${entry.dlqOffset}`;
}

export function parseEntryId(id: string): { partition: number; offset: string } {
  const match = /^(\d+):(\d+)$/.exec(id.trim());
  if (!match) throw new Error(`"${id}" is not a DLQ record id (partition:offset)`);
  return { partition: Number(match[1]), offset: match[2] };
}
