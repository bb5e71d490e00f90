/**
 * Sends records through one idempotent producer in batches: while a batch is in flight, new records
 * queue up and go together in the next request. Under load this gives large batches (throughput);
 * when idle a record goes out at once (latency). Each caller learns its record's partition and offset
 * only after the broker acknowledged it with acks=all.
 */
import { Message, Producer, CompressionTypes } from 'kafkajs';

export interface OutgoingRecord {
  topic: string;
  partition: number;
  key: string | Buffer | null;
  value: Buffer;
  headers?: Record<string, string>;
  timestamp?: number;
}

export interface RecordAck {
  topic: string;
  partition: number;
  offset: string;
}

/** The records of one sendMany call: settled together, one promise for all of them. */
interface Group {
  results: Array<RecordAck | Error | undefined>;
  remaining: number;
  done: () => void;
}

interface Pending {
  record: OutgoingRecord;
  group: Group;
  index: number;
}

function settle(item: Pending, outcome: RecordAck | Error): void {
  const group = item.group;
  if (group.results[item.index] !== undefined) return;
  group.results[item.index] = outcome;
  if (--group.remaining === 0) group.done();
}

export interface BatchingProducerOptions {
  maxBatchRecords?: number;
  maxBatchBytes?: number;
  compression?: CompressionTypes;
  onBatch?: (records: number, bytes: number, seconds: number) => void;
}

export class BatchingProducer {
  private queue: Pending[] = [];
  private queuedBytes = 0;
  private inFlight = false;
  private closed = false;
  private drained: Array<() => void> = [];

  constructor(private readonly producer: Producer, private readonly options: BatchingProducerOptions = {}) {}

  send(record: OutgoingRecord): Promise<RecordAck> {
    return this.sendMany([record]).then(([outcome]) => {
      if (outcome instanceof Error) throw outcome;
      return outcome;
    });
  }

  /**
   * Queues many records at once and resolves when every one of them is acknowledged or failed:
   * one promise for the lot, each slot an ack or the error that record met. `results` may be
   * passed in to see the acks that already arrived while others are still outstanding.
   */
  sendMany(records: readonly OutgoingRecord[], results: Array<RecordAck | Error | undefined> = new Array(records.length)): Promise<Array<RecordAck | Error>> {
    if (this.closed) return Promise.reject(new Error('producer is closed'));
    if (records.length === 0) return Promise.resolve([]);
    return new Promise<Array<RecordAck | Error>>((resolve) => {
      const group: Group = { results, remaining: records.length, done: () => resolve(results as Array<RecordAck | Error>) };
      for (let index = 0; index < records.length; index++) {
        const record = records[index];
        this.queue.push({ record, group, index });
        this.queuedBytes += record.value.length;
      }
      this.pump();
    });
  }

  get pendingCount(): number {
    return this.queue.length;
  }

  /** Stops accepting records and waits until everything queued has been acknowledged or failed. */
  async close(): Promise<void> {
    this.closed = true;
    if (!this.inFlight && this.queue.length === 0) return;
    await new Promise<void>((resolve) => this.drained.push(resolve));
  }

  private pump(): void {
    if (this.inFlight) return;
    if (this.queue.length === 0) {
      for (const done of this.drained.splice(0)) done();
      return;
    }
    const maxRecords = this.options.maxBatchRecords ?? 5000;
    const maxBytes = this.options.maxBatchBytes ?? 4 * 1024 * 1024;
    let bytes = 0;
    let count = 0;
    while (count < this.queue.length && count < maxRecords && (count === 0 || bytes + this.queue[count].record.value.length <= maxBytes)) {
      bytes += this.queue[count].record.value.length;
      count++;
    }
    const batch = this.queue.splice(0, count);
    this.queuedBytes -= bytes;
    this.inFlight = true;
    void this.sendBatch(batch, bytes).finally(() => {
      this.inFlight = false;
      this.pump();
    });
  }

  private async sendBatch(batch: Pending[], bytes: number): Promise<void> {
    const started = process.hrtime.bigint();
    // Group by topic, then partition, keeping arrival order: offsets within a partition are base + index.
    const byTopic = new Map<string, Map<number, Pending[]>>();
    for (const item of batch) {
      let partitions = byTopic.get(item.record.topic);
      if (!partitions) byTopic.set(item.record.topic, (partitions = new Map()));
      let list = partitions.get(item.record.partition);
      if (!list) partitions.set(item.record.partition, (list = []));
      list.push(item);
    }
    const topicMessages = [...byTopic].map(([topic, partitions]) => {
      const messages: Message[] = [];
      for (const list of partitions.values()) {
        for (const { record } of list) {
          messages.push({
            key: record.key,
            value: record.value,
            partition: record.partition,
            headers: record.headers,
            timestamp: record.timestamp !== undefined ? String(record.timestamp) : undefined,
          });
        }
      }
      return { topic, messages };
    });
    try {
      const results = await this.producer.sendBatch({ topicMessages, acks: -1, compression: this.options.compression });
      for (const result of results) {
        const list = byTopic.get(result.topicName)?.get(result.partition) ?? [];
        const base = result.baseOffset ?? '0';
        const baseNumber = Number(base);
        // Offsets stay exact as plain numbers up to 2^53; beyond that, BigInt.
        const exact = Number.isSafeInteger(baseNumber + list.length);
        const bigBase = exact ? 0n : BigInt(base);
        for (let index = 0; index < list.length; index++) {
          const offset = exact ? String(baseNumber + index) : (bigBase + BigInt(index)).toString();
          settle(list[index], { topic: result.topicName, partition: result.partition, offset });
        }
        byTopic.get(result.topicName)?.delete(result.partition);
      }
      // Anything without a result was not acknowledged: fail it rather than claim success.
      for (const partitions of byTopic.values()) for (const list of partitions.values()) for (const item of list) settle(item, new Error('no acknowledgement from broker'));
      this.options.onBatch?.(batch.length, bytes, Number(process.hrtime.bigint() - started) / 1e9);
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const item of batch) settle(item, failure);
    }
  }
}
