/**
 * Reads and replays the dead-letter topic. Listing reads the topic up to its current end (bounded);
 * replay re-publishes a record's original bytes, key and headers to its source topic, so the event
 * keeps its event_id and downstream deduplication still holds.
 */
import { Kafka, Producer } from 'kafkajs';
import { decodeDlqRecord, DlqEntry, DlqFilter, entryId, HEADERS, matchesFilter, parseEntryId } from '@platform/contracts';
import { createIdempotentProducer } from './client';
import { readTopicToEnd } from './read-to-end';

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
    const entries: DlqEntry[] = [];
    for (const { partition, message } of await readTopicToEnd(this.kafka, this.dlqTopic, { timeoutMs: this.options.readTimeoutMs ?? 15000 })) {
      try {
        entries.push({ dlqPartition: partition, dlqOffset: message.offset, record: decodeDlqRecord(message.value ?? Buffer.alloc(0)) });
      } catch {
        // A record in the DLQ that is not a DLQ record is ignored here; it cannot be replayed.
      }
    }
    return entries;
  }
}
