/**
 * The serving rules for aggregates, pure and shared by every store (embedded and Redis): what an
 * online lookup may answer after a given sequence of committed aggregate records.
 *
 * - One slot per window (event type, group key, window name, window start), holding its highest
 *   version. A record whose version is not higher than the slot's is ignored, so replaying records
 *   (after a restart, or a second writer) never takes a window back to an older version.
 * - A retraction (a session that no longer exists under these bounds) keeps its slot as a
 *   tombstone carrying its version: it is never served, and an older copy cannot bring it back.
 * - Bounded memory: per (key, window name), windows that start more than `retentionMs` (event
 *   time) before the newest window's end are dropped, and at most `maxWindows` are kept.
 */
import type { AggregatedRecord } from '@platform/contracts';

/** What a lookup answers for one window: the aggregate record's own fields. */
export type ServedWindow = Omit<AggregatedRecord, 'event_type' | 'group_key' | 'retracted'> & { retracted: boolean };

export interface RetentionPolicy {
  /** Event-time span kept behind the newest window end of a (key, window name); Infinity keeps all. */
  retentionMs: number;
  /** Most windows (live or tombstones) kept per (key, window name). */
  maxWindows: number;
}

export const KEEP_EVERYTHING: RetentionPolicy = { retentionMs: Number.POSITIVE_INFINITY, maxWindows: Number.MAX_SAFE_INTEGER };

export interface RecentQuery {
  limit: number;
  /** Inclusive lower bound on window_start (epoch ms). */
  from?: number;
  /** Exclusive upper bound on window_start (epoch ms). */
  to?: number;
}

/** The entity a record belongs to: its event type and group key. */
export function entityOf(record: Pick<AggregatedRecord, 'event_type' | 'group_key'>): { eventType: string; groupKey: string } {
  return { eventType: record.event_type, groupKey: record.group_key };
}

export function toServedWindow(record: AggregatedRecord): ServedWindow {
  return {
    window_name: record.window_name,
    window_kind: record.window_kind,
    window_start: Number(record.window_start),
    window_end: Number(record.window_end),
    count: Number(record.count),
    sum_value: record.sum_value,
    avg_value: record.avg_value,
    min_value: record.min_value,
    max_value: record.max_value,
    distinct_users: Number(record.distinct_users),
    version: record.version,
    is_final: record.is_final,
    processed_time: Number(record.processed_time),
    retracted: record.retracted === true,
  };
}

/** True when `incoming` may replace `current` (absent, or a strictly higher version). */
export function supersedes(incoming: Pick<ServedWindow, 'version'>, current: Pick<ServedWindow, 'version'> | undefined): boolean {
  return current === undefined || incoming.version > current.version;
}

/** The windows of one (event type, group key, window name), by window start. */
export class WindowBook {
  private readonly slots = new Map<number, ServedWindow>();
  private newestEnd = Number.NEGATIVE_INFINITY;

  constructor(private readonly policy: RetentionPolicy = KEEP_EVERYTHING) {}

  /** Applies one record; true when it changed what is stored. */
  apply(window: ServedWindow): boolean {
    if (!supersedes(window, this.slots.get(window.window_start))) return false;
    if (this.isExpired(window.window_start, Math.max(this.newestEnd, window.window_end))) return false;
    this.slots.set(window.window_start, window);
    if (window.window_end > this.newestEnd) this.newestEnd = window.window_end;
    this.prune();
    return true;
  }

  /** The stored slot of the window starting at `start`, tombstone or not. */
  slot(start: number): ServedWindow | undefined {
    return this.slots.get(start);
  }

  get size(): number {
    return this.slots.size;
  }

  /** Every stored slot, tombstones included (for snapshots). */
  all(): ServedWindow[] {
    return [...this.slots.values()];
  }

  /** The live window with the latest start, if any. */
  latest(): ServedWindow | undefined {
    let best: ServedWindow | undefined;
    for (const w of this.slots.values()) if (!w.retracted && (best === undefined || w.window_start > best.window_start)) best = w;
    return best;
  }

  /** Live windows, newest start first, within the query's bounds. */
  recent(query: RecentQuery): ServedWindow[] {
    return selectRecent(this.slots.values(), query);
  }

  private isExpired(start: number, newestEnd: number): boolean {
    return start < newestEnd - this.policy.retentionMs;
  }

  private prune(): void {
    for (const start of this.slots.keys()) if (this.isExpired(start, this.newestEnd)) this.slots.delete(start);
    if (this.slots.size <= this.policy.maxWindows) return;
    const starts = [...this.slots.keys()].sort((a, b) => a - b);
    for (const start of starts.slice(0, starts.length - this.policy.maxWindows)) this.slots.delete(start);
  }
}

/** Live windows among `windows`, newest start first, within the query's bounds and limit. */
export function selectRecent(windows: Iterable<ServedWindow>, query: RecentQuery): ServedWindow[] {
  const out: ServedWindow[] = [];
  for (const w of windows) {
    if (w.retracted) continue;
    if (query.from !== undefined && w.window_start < query.from) continue;
    if (query.to !== undefined && w.window_start >= query.to) continue;
    out.push(w);
  }
  out.sort((a, b) => b.window_start - a.window_start);
  return out.slice(0, query.limit);
}

/** A feature vector: the latest live window of each configured window name (null when none). */
export function featureVector(windowNames: readonly string[], latest: (name: string) => ServedWindow | undefined): Record<string, ServedWindow | null> {
  const out: Record<string, ServedWindow | null> = {};
  for (const name of windowNames) out[name] = latest(name) ?? null;
  return out;
}
