/**
 * Where served aggregates live. Both stores apply the rules of the serving rules of @platform/windowing (highest version
 * per window, retractions as tombstones, bounded retention) and remember the next source offset per
 * partition of the aggregated topic, so a restart resumes from there instead of replaying it all.
 */
import type { AggregatedRecord } from '@platform/contracts';
import type { RecentQuery, ServedWindow } from '@platform/windowing';

export interface SourcedRecord {
  record: AggregatedRecord;
  partition: number;
  offset: bigint;
}

export interface AggregateStore {
  readonly kind: 'memory' | 'redis';
  /** Loads what the store kept (snapshot, or nothing for Redis) and returns the next offset per partition. */
  open(): Promise<Map<number, bigint>>;
  /**
   * Applies committed records in their partition order and records the offsets after them. Returns
   * the windows that changed (a record not newer than what is stored changes nothing).
   */
  apply(records: readonly SourcedRecord[], next: ReadonlyMap<number, bigint>): Promise<Array<{ eventType: string; groupKey: string; window: ServedWindow }>>;
  /** The latest live window of each name (null when none). */
  latest(eventType: string, groupKey: string, windowNames: readonly string[]): Promise<Record<string, ServedWindow | null>>;
  /** Live windows of one name, newest start first. */
  recent(eventType: string, groupKey: string, windowName: string, query: RecentQuery): Promise<ServedWindow[]>;
  close(): Promise<void>;
}
