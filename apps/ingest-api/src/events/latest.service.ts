/**
 * The most recent events of a topic, read from Kafka itself: the last `limit` offsets of every
 * partition, decoded, merged newest first by event timestamp. Bounded in time (LATEST_TIMEOUT)
 * and in concurrency (LATEST_MAX_CONCURRENCY readers, a short queue, then 503).
 */
import { Inject, Injectable } from '@nestjs/common';
import { EventTypeSpec } from '@platform/runtime';
import { PlatformError } from '@platform/contracts';
import { INGEST_CONFIG } from '../tokens';
import { IngestConfig } from '../config';
import { KafkaAdminGateway } from '../kafka/kafka-admin';
import { RangeReader, RangeRecord } from '../kafka/range-reader';
import { unavailable } from '../kafka/kafka-publisher';
import { SchemaGate, unavailableRegistry } from '../schema/schema-gate';

export const LATEST_MAX_LIMIT = 1000;
const MAX_QUEUED = 32;

export interface LatestEvent {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  event: Record<string, unknown>;
}

/** Newest event time first; ties by partition then offset, newest first (a total order). */
export function newestFirst(a: LatestEvent, b: LatestEvent): number {
  const ta = Number(a.event.timestamp);
  const tb = Number(b.event.timestamp);
  if (ta !== tb) return tb - ta;
  if (a.partition !== b.partition) return b.partition - a.partition;
  return b.offset - a.offset;
}

export function parseLimit(raw: unknown): number {
  if (raw === undefined || raw === '') return 10;
  const text = Array.isArray(raw) ? raw[0] : raw;
  const value = typeof text === 'string' && /^\d{1,7}$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(value) || value < 1 || value > LATEST_MAX_LIMIT) {
    throw new PlatformError(400, 'INVALID_QUERY', `limit must be an integer between 1 and ${LATEST_MAX_LIMIT}`, { parameter: 'limit' });
  }
  return value;
}

@Injectable()
export class LatestService {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    private readonly admin: KafkaAdminGateway,
    private readonly reader: RangeReader,
    private readonly schemas: SchemaGate,
  ) {}

  async latest(type: EventTypeSpec, limit: number): Promise<LatestEvent[]> {
    const deadline = Date.now() + this.config.latestTimeoutMs;
    await this.acquire(deadline);
    try {
      const offsets = await this.admin.offsets(type.topic);
      const ranges = offsets.map((p) => {
        const from = p.high - BigInt(limit);
        return { partition: p.partition, from: from > p.low ? from : p.low, to: p.high };
      });
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw unavailable('Kafka did not answer in time');
      const records = await this.reader.read(type.topic, ranges, remaining);
      const events: LatestEvent[] = [];
      for (const list of records.values()) {
        for (const record of list) {
          const decoded = await this.decode(type.topic, record);
          if (decoded) events.push(decoded);
        }
      }
      return events.sort(newestFirst).slice(0, limit);
    } finally {
      this.release();
    }
  }

  /** A record that is not Confluent-framed Avro of a known schema is left out (it is not an event). */
  private async decode(topic: string, record: RangeRecord): Promise<LatestEvent | undefined> {
    if (!record.value) return undefined;
    const decoded = await this.schemas.decode(record.value);
    if (decoded.kind === 'unavailable') throw unavailableRegistry();
    if (decoded.kind === 'poison') return undefined;
    return {
      topic,
      partition: record.partition,
      offset: Number(record.offset),
      key: record.key ? record.key.toString('utf8') : null,
      event: decoded.value,
    };
  }

  private acquire(deadline: number): Promise<void> {
    if (this.active < this.config.latestMaxConcurrency) {
      this.active++;
      return Promise.resolve();
    }
    if (this.waiting.length >= MAX_QUEUED) return Promise.reject(unavailable('too many latest-events reads in progress'));
    return new Promise<void>((resolve, reject) => {
      const admitted = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(
        () => {
          const at = this.waiting.indexOf(admitted);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(unavailable('too many latest-events reads in progress'));
        },
        Math.max(0, deadline - Date.now()),
      );
      this.waiting.push(admitted);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
