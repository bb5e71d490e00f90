/**
 * What a chaos run checks at the end: every acknowledged event is in raw.events and in the lake
 * exactly once (nothing else is), the aggregates equal an offline recomputation from the
 * acknowledged events, and each rule-breaking and late event was routed out once.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { Kafka } from 'kafkajs';
import { Client } from 'pg';
import { PipelineConfig } from '@platform/runtime';
import { decodeDlqRecord, decodeLateRecord } from '@platform/contracts';
import { headersToStrings, readTopicToEnd } from '@platform/kafka';
import { WindowEvent, WindowingEngine, WindowResult } from '@platform/windowing';
import { decodeRepartition } from '../../apps/processor/src/processing';
import { ChaosEvent, Ledger } from './traffic';

export interface AggregateRow {
  count: number;
  sum: number | null;
  min: number | null;
  max: number | null;
  distinctUsers: number;
  windowEnd: number;
}

export interface Verdict {
  ok: boolean;
  problems: string[];
  figures: Record<string, number>;
}

const keyOf = (type: string, window: string, group: string, start: number) => `${type}|${window}|${group}|${start}`;

function toWindowEvent(e: ChaosEvent): WindowEvent {
  return {
    eventId: e.event_id,
    eventType: e.event_type,
    timestamp: e.timestamp,
    userId: e.user_id ?? null,
    deviceId: e.device_id ?? null,
    payload: e.payload,
  };
}

/**
 * The aggregates an uninterrupted, perfectly ordered run would end with: the same engine fed the
 * counted events in event-time order, its watermark moved to where the platform's ends.
 */
export function offlineAggregates(pipeline: PipelineConfig, counted: ChaosEvent[], finalWatermark: number): Map<string, AggregateRow> {
  const engine = new WindowingEngine({
    windows: pipeline.windows,
    ...pipeline.watermark,
    dedupeTtlMs: pipeline.dedupeTtlMs,
    eventTypes: pipeline.eventTypes,
  });
  const latest = new Map<string, WindowResult>();
  const keep = (results: WindowResult[]) => {
    for (const r of results) {
      const key = keyOf(r.eventType, r.windowName, r.groupKey, r.windowStart);
      const seen = latest.get(key);
      if (!seen || r.version > seen.version) latest.set(key, r);
    }
  };
  const sorted = [...counted].sort((a, b) => a.timestamp - b.timestamp || a.event_id.localeCompare(b.event_id));
  for (let i = 0; i < sorted.length; i += 1000) keep(engine.processBatch(sorted.slice(i, i + 1000).map(toWindowEvent), 0).results);
  keep(engine.advanceWatermarkTo(finalWatermark).results);
  const rows = new Map<string, AggregateRow>();
  for (const [key, r] of latest) {
    if (r.retracted) continue;
    rows.set(key, { count: r.count, sum: r.sum, min: r.min, max: r.max, distinctUsers: r.distinctUsers, windowEnd: r.windowEnd });
  }
  return rows;
}

export async function warehouseAggregates(pg: Client): Promise<Map<string, AggregateRow>> {
  const columns = await pg.query(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = 'analytics' AND table_name = 'aggregated_events'`,
  );
  const hasRetracted = columns.rows.some((r) => r.column_name === 'retracted');
  const { rows } = await pg.query(
    `SELECT event_type, window_name, group_key, window_start, window_end, count, sum_value, min_value, max_value, distinct_users
       FROM analytics.aggregated_events ${hasRetracted ? 'WHERE retracted IS NOT TRUE' : ''}`,
  );
  const out = new Map<string, AggregateRow>();
  for (const r of rows) {
    const start = new Date(r.window_start).getTime();
    out.set(keyOf(r.event_type, r.window_name, r.group_key, start), {
      count: Number(r.count),
      sum: r.sum_value === null ? null : Number(r.sum_value),
      min: r.min_value === null ? null : Number(r.min_value),
      max: r.max_value === null ? null : Number(r.max_value),
      distinctUsers: Number(r.distinct_users),
      windowEnd: new Date(r.window_end).getTime(),
    });
  }
  return out;
}

/** Differences between expected and actual aggregates (empty when they agree to the last count and sum). */
export function compareAggregates(expected: Map<string, AggregateRow>, actual: Map<string, AggregateRow>): string[] {
  const problems: string[] = [];
  for (const [key, want] of expected) {
    const got = actual.get(key);
    if (!got) problems.push(`missing aggregate ${key}`);
    else {
      for (const field of ['count', 'sum', 'min', 'max', 'distinctUsers', 'windowEnd'] as const) {
        if (got[field] !== want[field]) problems.push(`${key}: ${field} is ${got[field]}, expected ${want[field]}`);
      }
    }
  }
  for (const key of actual.keys()) if (!expected.has(key)) problems.push(`unexpected aggregate ${key}`);
  return problems;
}

export async function rawEventIds(pg: Client): Promise<Map<string, number>> {
  const { rows } = await pg.query('SELECT event_id, count(*)::int AS n FROM raw.events GROUP BY event_id');
  return new Map(rows.map((r) => [r.event_id as string, r.n as number]));
}

/**
 * The lake mirrors the raw topics record for record: `ids` counts rows per event_id, and
 * `repeatedRecords` counts Kafka records (topic, partition, offset) stored more than once, which a
 * replayed or retried write must never cause. (An event a client re-POSTed after the idempotency
 * window is two records in Kafka, so it is two rows in the lake, and one in raw.events.)
 */
export async function lakeContents(lakeDir: string, topics: string[]): Promise<{ ids: Map<string, number>; repeatedRecords: number }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const ids = new Map<string, number>();
  let repeatedRecords = 0;
  try {
    for (const topic of topics) {
      const files = `read_parquet('${`${lakeDir}/${topic}/**/*.parquet`.replace(/'/g, "''")}', union_by_name = true)`;
      try {
        for (const [id, n] of (
          await connection.runAndReadAll(`SELECT event_id, count(*)::INTEGER FROM ${files} GROUP BY event_id`)
        ).getRows()) {
          ids.set(String(id), (ids.get(String(id)) ?? 0) + Number(n));
        }
        const [[repeated]] = (
          await connection.runAndReadAll(
            `SELECT count(*)::INTEGER FROM (SELECT "partition", "offset" FROM ${files} GROUP BY 1, 2 HAVING count(*) > 1)`,
          )
        ).getRows();
        repeatedRecords += Number(repeated);
      } catch (error) {
        if (/No files found/i.test((error as Error).message)) continue;
        throw error;
      }
    }
  } finally {
    connection.closeSync();
  }
  return { ids, repeatedRecords };
}

/** Every expected id at least once and nothing unexpected (copies of the same event are allowed). */
export function atLeastOnceOnly(what: string, expected: Set<string>, actual: Map<string, number>): string[] {
  const missing = [...expected].filter((id) => !actual.has(id)).length;
  const unexpected = [...actual.keys()].filter((id) => !expected.has(id)).length;
  return [
    ...(missing ? [`${what}: ${missing} expected events missing`] : []),
    ...(unexpected ? [`${what}: ${unexpected} events that should not be there`] : []),
  ];
}

/** event_id -> how many records of `failedIn` prefix name it in the DLQ topic. */
export async function dlqEventIds(kafka: Kafka, topic: string, failedInPrefix: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const { message } of await readTopicToEnd(kafka, topic)) {
    try {
      const record = decodeDlqRecord(message.value ?? Buffer.alloc(0));
      if (!record.failed_in.startsWith(failedInPrefix) || !record.event_id) continue;
      counts.set(record.event_id, (counts.get(record.event_id) ?? 0) + 1);
    } catch {
      // not a DLQ record: reported by the count mismatch
    }
  }
  return counts;
}

/** event_id -> number of late records on the late topic (source records with the LATE reason in headers). */
export async function lateEventIds(kafka: Kafka, topic: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const { message } of await readTopicToEnd(kafka, topic)) {
    try {
      const record = decodeLateRecord({ key: message.key, value: message.value, headers: headersToStrings(message.headers) });
      if (record.error_type !== 'LATE' || !record.event_id) continue;
      counts.set(record.event_id, (counts.get(record.event_id) ?? 0) + 1);
    } catch {
      // not a late record: reported by the count mismatch
    }
  }
  return counts;
}

/** Compares a set of expected ids with id -> copies; every expected id once, nothing else. */
export function exactlyOnce(what: string, expected: Set<string>, actual: Map<string, number>): string[] {
  const problems: string[] = [];
  let missing = 0;
  let duplicated = 0;
  let unexpected = 0;
  for (const id of expected) {
    const n = actual.get(id) ?? 0;
    if (n === 0) missing++;
    else if (n > 1) duplicated++;
  }
  for (const id of actual.keys()) if (!expected.has(id)) unexpected++;
  if (missing) problems.push(`${what}: ${missing} expected events missing`);
  if (duplicated) problems.push(`${what}: ${duplicated} events present more than once`);
  if (unexpected) problems.push(`${what}: ${unexpected} events that should not be there`);
  return problems;
}

export function ledgerSummary(ledger: Ledger): Record<string, number> {
  return {
    acknowledged: ledger.acknowledged.size,
    valid: ledger.ofKind('valid').length,
    ruleBreaking: ledger.ofKind('rule-breaking').length,
    late: ledger.ofKind('late').length,
    refusedSchemaInvalid: ledger.refused.size,
    posts: ledger.posts,
    failedPosts: ledger.failedPosts,
    resentEvents: ledger.resentEvents,
  };
}

/**
 * Where valid events that the aggregates miss were lost: each id absent from the repartition topic
 * (read committed) was dropped before stage B (stage A committed its source offset without the
 * record), each present one inside stage B. Reported when the aggregates differ, to name the stage.
 */
export async function locateMissingEvents(kafka: Kafka, repartition: string, valid: Set<string>): Promise<string> {
  const seen = new Map<string, { partition: number; offset: string }>();
  for (const { partition, message } of await readTopicToEnd(kafka, repartition)) {
    try {
      const decoded = decodeRepartition(message.value ?? Buffer.alloc(0));
      if (decoded.kind === 'event' && !seen.has(decoded.event.eventId))
        seen.set(decoded.event.eventId, { partition, offset: message.offset });
    } catch {
      // not an event record
    }
  }
  const absent = [...valid].filter((id) => !seen.has(id));
  return `${absent.length} of ${valid.size} valid events absent from ${repartition}${absent.length > 0 ? ` (e.g. ${absent.slice(0, 5).join(', ')})` : ': the loss is inside stage B'}`;
}
