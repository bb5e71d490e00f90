/**
 * Reads every committed record of a topic up to the end offsets it had when the call started, with a
 * throwaway consumer group (read committed). For verifying and listing, not for processing.
 */
import { randomUUID } from 'crypto';
import { Kafka, KafkaMessage } from 'kafkajs';
import { createConsumer, withAdmin } from './client';

export interface TopicRecord {
  partition: number;
  message: KafkaMessage;
}

export async function readTopicToEnd(kafka: Kafka, topic: string, options: { timeoutMs?: number } = {}): Promise<TopicRecord[]> {
  const ends = await withAdmin(kafka, (admin) => admin.fetchTopicOffsets(topic));
  const target = new Map(ends.filter((e) => BigInt(e.high) > BigInt(e.low)).map((e) => [e.partition, BigInt(e.high)]));
  const records: TopicRecord[] = [];
  if (target.size === 0) return records;
  const position = new Map<number, bigint>();
  const consumer = createConsumer(kafka, `read-to-end-${randomUUID()}`, { maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const limitMs = options.timeoutMs ?? 60_000;
      let quiet: NodeJS.Timeout | undefined;
      const finish = (error?: Error) => {
        clearTimeout(deadline);
        if (quiet) clearTimeout(quiet);
        if (error) reject(error);
        else resolve();
      };
      const deadline = setTimeout(() => finish(new Error(`reading ${topic} to its end took longer than ${limitMs} ms`)), limitMs);
      const complete = () => [...target].every(([p, end]) => (position.get(p) ?? 0n) >= end);
      // A transaction's commit marker takes an offset but is never delivered; when only such a
      // marker can be missing from each partition, a quiet moment means the end was reached.
      const onlyMarkersLeft = () => [...target].every(([p, end]) => end - (position.get(p) ?? 0n) <= 1n);
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const end = target.get(batch.partition);
            if (end === undefined) return;
            for (const message of batch.messages) if (BigInt(message.offset) < end) records.push({ partition: batch.partition, message });
            const reached = BigInt(batch.lastOffset()) + 1n;
            if (reached > (position.get(batch.partition) ?? 0n)) position.set(batch.partition, reached);
            if (quiet) clearTimeout(quiet);
            if (complete()) finish();
            else if (onlyMarkersLeft()) quiet = setTimeout(() => finish(), 1000);
          },
        })
        .catch((error) => finish(error as Error));
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}
