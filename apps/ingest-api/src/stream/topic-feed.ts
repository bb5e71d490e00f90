/**
 * One Kafka consumer per topic per API instance, fanning records out to every subscribed socket.
 * Its group id is unique to the instance, so it never competes with other instances. It starts at
 * the partition ends read when the feed starts (kafkajs can only seek after `run`, so batches
 * fetched from elsewhere before the seek took effect are ignored, recognised by their
 * `fetchedOffset`). Each record is decoded and serialised once; a redelivered offset (after an
 * internal rejoin) is dropped, so subscribers see each offset once, in partition order.
 */
import { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { createConsumer } from '@platform/kafka';
import { logger } from '@platform/runtime';
import { KafkaAdminGateway } from '../kafka/kafka-admin';
import { KeyedSubscriber, SubscriberIndex } from './subscriber-index';

export interface FeedRecord {
  partition: number;
  offset: bigint;
  key: string | null;
  eventType: string | null;
  /** Aggregate records: their group key and window name (null for events). */
  groupKey: string | null;
  windowName: string | null;
  /** The message a client receives, serialised once for all subscribers. */
  json: string;
}

export interface FeedSubscriber extends KeyedSubscriber {
  onRecord(record: FeedRecord): void;
}

export type RecordDecoder = (value: Buffer) => Promise<Record<string, unknown> | undefined>;

export class TopicFeed {
  private readonly subscribers = new SubscriberIndex<FeedSubscriber>();
  /** Next offset this feed delivers, per partition. */
  private readonly positions = new Map<number, bigint>();
  private consumer?: Consumer;

  constructor(
    readonly topic: string,
    private readonly kafka: Kafka,
    private readonly admin: KafkaAdminGateway,
    private readonly decode: RecordDecoder,
    private readonly groupId: string,
  ) {}

  /** Partitions whose first post-seek fetch has arrived. */
  private readonly anchored = new Set<number>();

  async start(): Promise<void> {
    const ends = await this.admin.offsets(this.topic);
    for (const { partition, high } of ends) this.positions.set(partition, high);
    const consumer = createConsumer(this.kafka, this.groupId, {
      maxWaitTimeInMs: 100,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [this.topic], fromBeginning: false });
    await consumer.run({
      autoCommit: true,
      autoCommitInterval: 5_000,
      eachBatch: async ({ batch }) => {
        const partition = batch.partition;
        if (!this.anchored.has(partition)) {
          const fetchedOffset = BigInt((batch as unknown as { fetchedOffset: string }).fetchedOffset);
          if (fetchedOffset !== this.positions.get(partition)) return;
          this.anchored.add(partition);
        }
        for (const message of batch.messages) await this.handle(partition, message);
      },
    });
    for (const { partition, high } of ends) consumer.seek({ topic: this.topic, partition, offset: high.toString() });
  }

  /** Adds a subscriber and returns the feed's positions at that instant (what it will deliver next). */
  join(subscriber: FeedSubscriber): Map<number, bigint> {
    this.subscribers.add(subscriber);
    return new Map(this.positions);
  }

  leave(subscriber: FeedSubscriber): void {
    this.subscribers.remove(subscriber);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  private async handle(partition: number, message: KafkaMessage): Promise<void> {
    const offset = BigInt(message.offset);
    const expected = this.positions.get(partition);
    if (expected !== undefined && offset < expected) return;
    this.positions.set(partition, offset + 1n);
    if (!message.value) return;
    const key = message.key ? message.key.toString('utf8') : null;
    if (!this.subscribers.wants(key)) return;
    const event = await this.decode(message.value).catch(() => undefined);
    if (!event) {
      logger().debug({ topic: this.topic, partition, offset: message.offset }, 'record skipped on the stream: not decodable');
      return;
    }
    const record = toFeedRecord(this.topic, partition, offset, key, event);
    this.subscribers.forRecord(key, (subscriber) => subscriber.onRecord(record));
  }

  async stop(): Promise<void> {
    this.subscribers.clear();
    await this.consumer?.disconnect().catch(() => undefined);
  }
}

export function toFeedRecord(
  topic: string,
  partition: number,
  offset: bigint,
  key: string | null,
  event: Record<string, unknown>,
): FeedRecord {
  return {
    partition,
    offset,
    key,
    eventType: typeof event.event_type === 'string' ? event.event_type : null,
    groupKey: typeof event.group_key === 'string' ? event.group_key : null,
    windowName: typeof event.window_name === 'string' ? event.window_name : null,
    json: JSON.stringify({ type: 'event', topic, partition, offset: Number(offset), key, event }),
  };
}
