/**
 * The task runtime's ports over kafkajs: transactional producers per task, committed offsets read
 * with the admin client, and the consumer loop that feeds a TaskManager.
 *
 * Zombie fencing: a task's transactional id is derived from the consumer group and the input
 * partition it owns, never from the instance (Kafka Streams' EOS v1). Whoever takes a partition
 * over initialises a producer with the same id; the broker bumps the epoch and aborts the old
 * owner's open transaction, and any later send or commit of the old owner fails.
 */
import { Admin, Consumer, Kafka, Message, Producer } from 'kafkajs';
import { createTransactionalProducer } from '../client';
import { CommitRequest, OffsetsPort, ProducerPort, TaskProducer, TopicPartition } from './ports';
import { StreamTask, TaskManager } from './task-manager';

export class KafkaTaskProducer implements TaskProducer {
  constructor(readonly producer: Producer) {}

  async commit(request: CommitRequest): Promise<void> {
    const tx = await this.producer.transaction();
    try {
      if (request.records.length > 0) {
        const byTopic = new Map<string, Message[]>();
        for (const { topic, ...message } of request.records) {
          let list = byTopic.get(topic);
          if (!list) byTopic.set(topic, (list = []));
          list.push(message as Message);
        }
        await tx.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })), acks: -1 });
      }
      if (request.offsets) {
        const { groupId, topic, partition, nextOffset } = request.offsets;
        await tx.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition, offset: nextOffset.toString() }] }] });
      }
      await tx.commit();
    } catch (error) {
      await tx.abort().catch(() => undefined);
      throw error;
    }
  }
}

export class KafkaTaskProducers implements ProducerPort {
  private readonly producers = new Map<string, KafkaTaskProducer>();

  constructor(private readonly kafka: Kafka) {}

  async open(transactionalId: string): Promise<KafkaTaskProducer> {
    const earlier = this.producers.get(transactionalId);
    if (earlier) await this.close(transactionalId, earlier);
    const producer = createTransactionalProducer(this.kafka, transactionalId);
    await producer.connect();
    // kafkajs' connect() only obtains a non-transactional producer id: the InitProducerId for the
    // transactional id, which fences every earlier producer with it and completes (aborts or
    // finishes committing) its open transaction, is sent when the first transaction begins. The
    // task reads committed offsets and changelogs right after open(): begin and end an empty
    // transaction now (no request beyond InitProducerId), so that read sees the final state.
    try {
      await (await producer.transaction()).abort();
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      throw error;
    }
    const task = new KafkaTaskProducer(producer);
    this.producers.set(transactionalId, task);
    return task;
  }

  async close(transactionalId: string, producer: TaskProducer): Promise<void> {
    if (this.producers.get(transactionalId) === producer) this.producers.delete(transactionalId);
    await (producer as KafkaTaskProducer).producer.disconnect().catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.producers].map(([id, p]) => this.close(id, p)));
  }
}

export class AdminOffsets implements OffsetsPort {
  constructor(private readonly admin: Admin) {}

  async committed(groupId: string, { topic, partition }: TopicPartition): Promise<bigint | undefined> {
    const [entry] = await this.admin.fetchOffsets({ groupId, topics: [topic] });
    const found = entry?.partitions.find((p) => p.partition === partition);
    if (!found || found.offset === '-1' || found.offset === '') return undefined;
    return BigInt(found.offset);
  }
}

export interface TaskConsumerOptions {
  topics: string[];
  concurrency: number;
  /** Called when the consumer stopped for good (e.g. a missing ACL): the process must stop. */
  onFatal?: (error: Error) => void;
}

/** Runs a consumer (auto-commit off) whose batches feed the manager's tasks. */
export async function runTaskConsumer<T extends StreamTask<O>, O>(consumer: Consumer, manager: TaskManager<T, O>, options: TaskConsumerOptions): Promise<void> {
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) options.onFatal?.(payload.error);
  });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    manager.assigned(Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition }))));
  });
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.batchSize === 0 && payload.firstOffset !== null) {
      void manager.skipped(payload, payload.firstOffset, payload.lastOffset, BigInt(payload.highWatermark) - BigInt(payload.lastOffset) - 1n);
    }
  });
  await consumer.connect();
  await consumer.subscribe({ topics: options.topics, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.concurrency,
    eachBatch: ({ batch, resolveOffset, heartbeat, isRunning, isStale }) =>
      manager.handleBatch(
        { topic: batch.topic, partition: batch.partition, records: batch.messages, highWatermark: batch.highWatermark, lastOffset: batch.lastOffset() },
        {
          seek: (offset) => consumer.seek({ topic: batch.topic, partition: batch.partition, offset: offset.toString() }),
          resolveOffset,
          heartbeat,
          isActive: () => isRunning() && !isStale(),
        },
      ),
  });
}
