/**
 * DLQ operations for administrators: list dead-letter records by reason, source topic, time and
 * event id, and replay chosen ones to their source topic (original bytes, key and headers, so the
 * event keeps its event_id and deduplication downstream still holds). Built on the DlqStore of @platform/kafka.
 */
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { PipelineConfig } from '@platform/runtime';
import { PlatformError } from '@platform/contracts';
import { DlqEntry, DlqFilter, entryId, parseTimeBound } from '@platform/contracts';
import { DlqStore, ReplayResult } from '@platform/kafka';
import { KAFKA, PIPELINE } from '../tokens';
import { unavailable } from '../kafka/kafka-publisher';

export const DLQ_LIST_MAX = 1000;
const ENTRY_ID = /^\d{1,5}:\d{1,19}$/;

export interface DlqListQuery {
  reason?: string;
  source_topic?: string;
  since?: string;
  until?: string;
  event_id?: string;
  limit?: string;
}

function single(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > 512)
    throw new PlatformError(400, 'INVALID_QUERY', `${name} must be given once, as text of at most 512 characters`, { parameter: name });
  return value === '' ? undefined : value;
}

/** Validates the list query: unknown reasons are fine (nothing matches), malformed times and limits are 400. */
export function parseDlqQuery(query: Record<string, unknown>): { filter: DlqFilter; limit: number } {
  const bound = (name: 'since' | 'until') => {
    try {
      return parseTimeBound(single(query[name], name), name);
    } catch (error) {
      throw new PlatformError(400, 'INVALID_QUERY', (error as Error).message, { parameter: name });
    }
  };
  const limitText = single(query.limit, 'limit');
  const limit = limitText === undefined ? 100 : /^\d{1,4}$/.test(limitText) ? Number(limitText) : NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > DLQ_LIST_MAX)
    throw new PlatformError(400, 'INVALID_QUERY', `limit must be an integer between 1 and ${DLQ_LIST_MAX}`, { parameter: 'limit' });
  return {
    filter: {
      errorType: single(query.reason, 'reason'),
      sourceTopic: single(query.source_topic, 'source_topic'),
      eventId: single(query.event_id, 'event_id'),
      since: bound('since'),
      until: bound('until'),
    },
    limit,
  };
}

/** Validates a replay body: `{ "ids": ["<dlq partition>:<dlq offset>", ...] }`, at most 1000. */
export function parseReplayBody(body: unknown): string[] {
  const ids = (body as { ids?: unknown } | null)?.ids;
  if (
    !Array.isArray(ids) ||
    ids.length === 0 ||
    ids.length > DLQ_LIST_MAX ||
    !ids.every((id) => typeof id === 'string' && ENTRY_ID.test(id))
  ) {
    throw new PlatformError(
      400,
      'INVALID_REQUEST',
      `body must be {"ids": [...]} with 1 to ${DLQ_LIST_MAX} DLQ ids of the form "<partition>:<offset>" as listed`,
      { field: 'ids' },
    );
  }
  return [...new Set(ids as string[])];
}

export interface DlqListItem {
  id: string;
  dlq_partition: number;
  dlq_offset: string;
  record: DlqEntry['record'];
}

@Injectable()
export class DlqAdminService implements OnModuleDestroy {
  private readonly store: DlqStore;
  private readonly eventTopics: Set<string>;

  constructor(@Inject(KAFKA) kafka: Kafka, @Inject(PIPELINE) pipeline: PipelineConfig) {
    this.store = new DlqStore(kafka, pipeline.topics.dlq.name);
    this.eventTopics = new Set(pipeline.eventTypes.map((t) => t.topic));
  }

  async list(filter: DlqFilter, limit: number): Promise<DlqListItem[]> {
    try {
      const entries = await this.store.list(filter, limit);
      return entries.map((e) => ({ id: entryId(e), dlq_partition: e.dlqPartition, dlq_offset: e.dlqOffset, record: e.record }));
    } catch {
      throw unavailable('could not read the DLQ from Kafka');
    }
  }

  async replay(ids: string[]): Promise<ReplayResult[]> {
    try {
      return await this.store.replay(ids, this.eventTopics);
    } catch {
      throw unavailable('could not replay from the DLQ; nothing is known to be written, retrying is safe');
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.store.close().catch(() => undefined);
  }
}
