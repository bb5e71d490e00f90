/**
 * Reads and replays the dead-letter topic. Listing reads the topic up to its current end (bounded);
 * replay re-publishes a record's original bytes, key and headers to its source topic, so the event
 * keeps its event_id and downstream deduplication still holds.
 */
import { Kafka, Producer } from 'kafkajs';
import { decodeDlqRecord, HEADERS } from '@platform/contracts';
import { createConsumer, createIdempotentProducer } from '@platform/kafka';
import { DlqEntry, DlqFilter, entryId, matchesFilter, parseEntryId } from './filter';

export interface ReplayResult {
  id: string;
  status: 'replayed' | 'not_found' | 'skipped';
  source_topic?: string;
  partition?: number;
  offset?: string;
  reason?: string;
}

export class DlqStore {
  private producer?: Producer;

  constructor(private readonly kafka: Kafka, private readonly dlqTopic: string, private readonly options: { readTimeoutMs?: number } = {}) {}

  /** Matching records, newest first, at most `limit`. */
  async list(filter: DlqFilter, limit = 100): Promise<DlqEntry[]> {
    const all = await this.readAll();
    return all
      .filter((entry) => matchesFilter(entry.record, filter))
      .sort((a, b) => Date.parse(b.record.last_attempt_time) - Date.parse(a.record.last_attempt_time))
      .slice(0, limit);
  }

  async replay(ids: string[], replayableTopics: Set<string>): Promise<ReplayResult[]> {
    const wanted = new Map(ids.map((id) => [entryId({ dlqPartition: parseEntryId(id).partition, dlqOffset: parseEntryId(id).offset }), id]));
    const found = new Map((await this.readAll()).filter((e) => wanted.has(entryId(e))).map((e) => [entryId(e), e]));
    const producer = await this.ensureProducer();
    const results: ReplayResult[] = [];
    for (const [key, id] of wanted) {
      const entry = found.get(key);
      if (!entry) {
        results.push({ id, status: 'not_found' });
        continue;
      }
      const { record } = entry;
      if (!replayableTopics.has(record.source_topic)) {
        results.push({ id, status: 'skipped', source_topic: record.source_topic, reason: 'source topic is not an event topic of this pipeline' });
        continue;
      }
      const [meta] = await producer.send({
        topic: record.source_topic,
        acks: -1,
        messages: [
          {
            key: record.original_key,
            value: Buffer.from(record.original_message, 'base64'),
            headers: { ...record.original_headers, [HEADERS.replayedFrom]: `${this.dlqTopic}:${key}` },
          },
        ],
      });
      results.push({ id, status: 'replayed', source_topic: record.source_topic, partition: meta.partition, offset: meta.baseOffset });
    }
    return results;
  }

  async close(): Promise<void> {
    await this.producer?.disconnect();
    this.producer = undefined;
  }

  private async ensureProducer(): Promise<Producer> {
    if (!this.producer) {
      const producer = createIdempotentProducer(this.kafka);
      await producer.connect();
      this.producer = producer;
    }
    return this.producer;
  }

  /** Everything in the DLQ up to the end offsets seen at the start of the call. */
  private async readAll(): Promise<DlqEntry[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    let ends: Array<{ partition: number; high: string; low: string }>;
    try {
      ends = (await admin.fetchTopicOffsets(this.dlqTopic)).map((o) => ({ partition: o.partition, high: o.high, low: o.low }));
    } finally {
      await admin.disconnect();
    }
    const remaining = new Set(ends.filter((e) => BigInt(e.high) > BigInt(e.low)).map((e) => e.partition));
    if (remaining.size === 0) return [];
    const endOf = new Map(ends.map((e) => [e.partition, BigInt(e.high)]));
    const entries: DlqEntry[] = [];
    const consumer = createConsumer(this.kafka, `dlq-reader-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: this.dlqTopic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const limitMs = this.options.readTimeoutMs ?? 15000;
        const timer = setTimeout(() => finish(new Error(`reading ${this.dlqTopic} took longer than ${limitMs} ms`)), limitMs);
        // Transaction markers occupy offsets that are never delivered, so a partition written
        // transactionally may end before its high watermark: after the first record, a short quiet
        // period also means "read to the end".
        let quiet: NodeJS.Timeout | undefined;
        const finish = (error?: Error) => {
          clearTimeout(timer);
          if (quiet) clearTimeout(quiet);
          if (error) reject(error);
          else resolve();
        };
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              if (quiet) clearTimeout(quiet);
              quiet = setTimeout(() => finish(), 1000);
              if (!remaining.has(partition)) return;
              try {
                entries.push({ dlqPartition: partition, dlqOffset: message.offset, record: decodeDlqRecord(message.value ?? Buffer.alloc(0)) });
              } catch {
                // A record in the DLQ that is not a DLQ record is ignored here; it cannot be replayed.
              }
              if (BigInt(message.offset) + 1n >= endOf.get(partition)!) {
                remaining.delete(partition);
                if (remaining.size === 0) finish();
              }
            },
          })
          .catch((error) => finish(error));
      });
    } finally {
      await consumer.disconnect();
    }
    return entries;
  }
}
