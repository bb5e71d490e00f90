/**
 * Reads a topic, or chosen partitions of it, up to the end offsets it has when the call starts, read
 * committed and without joining any work group. kafkajs has no manual assignment, so a consumer in
 * a private group uses an assigner that hands its one member exactly those partitions. Used to
 * restore state from changelogs, to follow the reference topic, and to list and verify topics.
 */
import { randomUUID } from 'crypto';
import { AssignerProtocol, Consumer, Kafka, KafkaMessage, PartitionAssigner } from 'kafkajs';
import { withRetry } from '@platform/runtime';
import { createConsumer, withAdmin } from './client';

export interface TopicRecord {
  partition: number;
  message: KafkaMessage;
}

function fixedAssigner(topic: string, partitions: number[]): PartitionAssigner {
  return () => ({
    name: 'FixedPartitions',
    version: 1,
    protocol: ({ topics }) => ({
      name: 'FixedPartitions',
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }),
    }),
    assign: async ({ members }) =>
      members.map((member, i) => ({
        memberId: member.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment: i === 0 ? { [topic]: partitions } : {},
          userData: Buffer.alloc(0),
        }),
      })),
  });
}

/** A consumer that alone reads exactly `partitions` of `topic`, in its own (by default random) group. */
export function partitionConsumer(
  kafka: Kafka,
  topic: string,
  partitions: number[],
  groupId = `partition-reader-${randomUUID()}`,
): Consumer {
  return createConsumer(kafka, groupId, { partitionAssigners: [fixedAssigner(topic, partitions)], maxWaitTimeInMs: 50 });
}

/**
 * Delivers every committed record of `partitions` (or of every partition, with 'all') up to the end
 * offsets they have now. The caller must have fenced any transactional writer of them first, so no
 * transaction is left open: then the last offset is a transaction marker or a record, and both
 * advance the position we track.
 */
export async function readPartitionsToEnd(
  kafka: Kafka,
  topic: string,
  partitions: number[] | 'all',
  onMessage: (partition: number, message: KafkaMessage) => void,
  timeoutMs = 60_000,
): Promise<void> {
  // Right after a topic is created (or a broker restarts) the leader may not be serving yet.
  const offsets = await withRetry(() => withAdmin(kafka, (admin) => admin.fetchTopicOffsets(topic)), {
    maxAttempts: 20,
    baseDelayMs: 100,
    maxDelayMs: 2000,
    retryable: (error) => (error as { retriable?: boolean }).retriable === true || /leader|does not host/i.test((error as Error).message),
  });
  const target = new Map<number, bigint>();
  for (const o of offsets) {
    if ((partitions === 'all' || partitions.includes(o.partition)) && BigInt(o.high) > BigInt(o.low))
      target.set(o.partition, BigInt(o.high));
  }
  if (target.size === 0) return;
  const position = new Map<number, bigint>();
  const consumer = partitionConsumer(kafka, topic, [...target.keys()]);
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(
        () => reject(new Error(`reading ${topic} ${[...target.keys()].join(',')} to its end took longer than ${timeoutMs} ms`)),
        timeoutMs,
      );
      const reached = (partition: number, lastOffset: string) => {
        const next = BigInt(lastOffset) + 1n;
        if (next > (position.get(partition) ?? 0n)) position.set(partition, next);
        if ([...target].every(([p, end]) => (position.get(p) ?? 0n) >= end)) {
          clearTimeout(deadline);
          resolve();
        }
      };
      // Batches holding only transaction markers or aborted records never reach eachBatch; this event does.
      // A fetch that returned nothing (firstOffset null) proves nothing: kafkajs then reports the high
      // watermark as its last offset, though records of a transaction whose commit marker is not
      // written yet lie below it, unread.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        if (payload.firstOffset !== null) reached(payload.partition, payload.lastOffset);
      });
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const end = target.get(batch.partition);
            if (end === undefined) return;
            for (const message of batch.messages) if (BigInt(message.offset) < end) onMessage(batch.partition, message);
          },
        })
        .catch((error) => {
          clearTimeout(deadline);
          reject(error);
        });
    });
  } finally {
    await consumer.disconnect();
  }
}

/** Every committed record of every partition of `topic`, up to its end offsets at the start of the call. */
export async function readTopicToEnd(kafka: Kafka, topic: string, options: { timeoutMs?: number } = {}): Promise<TopicRecord[]> {
  const records: TopicRecord[] = [];
  await readPartitionsToEnd(kafka, topic, 'all', (partition, message) => records.push({ partition, message }), options.timeoutMs);
  return records;
}
