/**
 * Reads exact offset ranges of a topic from Kafka itself with a short-lived consumer (a fresh group,
 * read committed), seeking each partition to its range start and stopping per partition once the
 * range's last offset was passed; bounded in time. Used for "latest N" and for WebSocket resume;
 * nothing is copied aside.
 *
 * kafkajs can only seek after `run`, so a first fetch may still come from the default position:
 * a batch counts only once a fetch started inside the range (`fetchedOffset`), which is the case
 * for every fetch after the seek took effect.
 */
import { randomUUID } from 'crypto';
import { Kafka } from 'kafkajs';
import { createConsumer } from '@platform/kafka';
import { withTimeout } from '@platform/runtime';
import { KafkaAdminGateway } from './kafka-admin';
import { unavailable } from './kafka-publisher';

export interface OffsetRange {
  partition: number;
  /** First offset to read. */
  from: bigint;
  /** One past the last offset to read. */
  to: bigint;
}

export interface RangeRecord {
  partition: number;
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: string;
}

export class RangeReader {
  constructor(
    private readonly kafka: Kafka,
    private readonly admin: KafkaAdminGateway,
    private readonly groupPrefix: string,
  ) {}

  /** Records of each range in offset order; 503 when Kafka cannot serve them within timeoutMs. */
  async read(topic: string, ranges: OffsetRange[], timeoutMs: number): Promise<Map<number, RangeRecord[]>> {
    const wanted = ranges.filter((r) => r.to > r.from);
    const results = new Map<number, RangeRecord[]>(wanted.map((r) => [r.partition, []]));
    if (wanted.length === 0) return results;
    const byPartition = new Map(wanted.map((r) => [r.partition, r]));
    const remaining = new Set(byPartition.keys());
    const groupId = `${this.groupPrefix}.${randomUUID()}`;
    const consumer = createConsumer(this.kafka, groupId, {
      maxWaitTimeInMs: 50,
      sessionTimeout: 10_000,
      heartbeatInterval: 3_000,
      retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 },
    });
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const anchored = new Set<number>();
    const progress = (partition: number, lastOffset: string) => {
      const range = byPartition.get(partition);
      if (!range || !anchored.has(partition) || !remaining.has(partition) || BigInt(lastOffset) < range.to - 1n) return;
      remaining.delete(partition);
      if (remaining.size === 0) finish();
    };
    // Batches of only control records reach no handler but still report how far the read got.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => progress(payload.partition, payload.lastOffset));
    try {
      await withTimeout(
        (async () => {
          await consumer.connect();
          await consumer.subscribe({ topics: [topic], fromBeginning: false });
          await consumer.run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              const range = byPartition.get(batch.partition);
              if (!range || !remaining.has(batch.partition)) return;
              const fetchedOffset = BigInt((batch as unknown as { fetchedOffset: string }).fetchedOffset);
              if (!anchored.has(batch.partition)) {
                if (fetchedOffset < range.from || fetchedOffset >= range.to) return;
                anchored.add(batch.partition);
              }
              const out = results.get(batch.partition)!;
              for (const message of batch.messages) {
                const offset = BigInt(message.offset);
                if (offset >= range.from && offset < range.to) {
                  out.push({ partition: batch.partition, offset, key: message.key, value: message.value, timestamp: message.timestamp });
                }
              }
            },
          });
          for (const range of wanted) consumer.seek({ topic, partition: range.partition, offset: range.from.toString() });
          await finished;
        })(),
        timeoutMs,
        `reading ${topic} did not finish within ${timeoutMs} ms`,
      );
    } catch (error) {
      throw unavailable(`could not read ${topic} from Kafka in time`);
    } finally {
      await withTimeout(consumer.disconnect(), 3000, 'consumer disconnect timed out').catch(() => undefined);
      void this.admin.deleteGroups([groupId]);
    }
    return results;
  }
}
