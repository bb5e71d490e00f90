/**
 * Transactional producers per task, and the one way a task commits: everything of one batch
 * (outputs, DLQ records, changelog records, consumed offsets) in one Kafka transaction.
 *
 * Zombie fencing: a task's transactional id is derived from the consumer group and the input
 * partition it owns (`<group>-a-<topic>-<partition>`, `<group>-b-<partition>`), never from the
 * instance, as in Kafka Streams' EOS v1. Whoever takes over a partition initialises a producer with
 * the same id; the broker bumps the epoch and aborts the old owner's open transaction, and any
 * later send or commit from the old owner fails with a fencing error.
 */
import { Kafka, Message, Producer } from 'kafkajs';
import { createTransactionalProducer } from '@platform/kafka';
import { processorMetrics } from './metrics';

export interface OutgoingMessage extends Message {
  topic: string;
}

export interface CommitRequest {
  messages: OutgoingMessage[];
  /** Omitted for timer-driven outputs, which consume nothing. */
  offsets?: { groupId: string; topic: string; partition: number; nextOffset: string };
}

export class TaskProducers {
  private readonly producers = new Map<string, Promise<Producer>>();

  constructor(private readonly kafka: Kafka) {}

  /** The task's producer; creating it fences every earlier holder of the id and aborts its open transaction. */
  get(transactionalId: string): Promise<Producer> {
    let producer = this.producers.get(transactionalId);
    if (!producer) {
      producer = (async () => {
        const p = createTransactionalProducer(this.kafka, transactionalId);
        await p.connect();
        // kafkajs' connect() only obtains a non-transactional producer id: the InitProducerId for
        // the transactional id, which fences every earlier producer with it and completes (aborts
        // or finishes committing) its open transaction, is sent when the first transaction begins.
        // Callers read committed offsets and changelogs right after get(): begin and end an empty
        // transaction now (no request beyond InitProducerId), so that read sees the final state.
        await (await p.transaction()).abort();
        return p;
      })();
      producer.catch(() => this.producers.delete(transactionalId));
      this.producers.set(transactionalId, producer);
    }
    return producer;
  }

  /**
   * Forgets a producer after a failure (it may be fenced); the next get() makes a new one. With
   * `only`, nothing happens unless that producer is still the current one for the id.
   */
  async drop(transactionalId: string, only?: Promise<Producer>): Promise<void> {
    const producer = this.producers.get(transactionalId);
    if (only && producer !== only) return;
    this.producers.delete(transactionalId);
    if (producer) await (await producer.catch(() => undefined))?.disconnect().catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    const all = [...this.producers.keys()];
    await Promise.all(all.map((id) => this.drop(id)));
  }
}

/** Sends and commits one transaction; aborts it on any failure and rethrows. */
export async function commitTransaction(producer: Producer, stage: 'a' | 'b', request: CommitRequest): Promise<void> {
  const started = process.hrtime.bigint();
  const tx = await producer.transaction();
  try {
    if (request.messages.length > 0) {
      const byTopic = new Map<string, Message[]>();
      for (const { topic, ...message } of request.messages) {
        let list = byTopic.get(topic);
        if (!list) byTopic.set(topic, (list = []));
        list.push(message);
      }
      await tx.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })), acks: -1 });
    }
    if (request.offsets) {
      const { groupId, topic, partition, nextOffset } = request.offsets;
      await tx.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition, offset: nextOffset }] }] });
    }
    await tx.commit();
  } catch (error) {
    processorMetrics.transactions.inc({ stage, outcome: 'abort' });
    await tx.abort().catch(() => undefined);
    throw error;
  }
  processorMetrics.transactions.inc({ stage, outcome: 'commit' });
  processorMetrics.transactionDuration.observe({ stage }, Number(process.hrtime.bigint() - started) / 1e9);
  const perTopic = new Map<string, number>();
  for (const m of request.messages) perTopic.set(m.topic, (perTopic.get(m.topic) ?? 0) + 1);
  for (const [topic, n] of perTopic) processorMetrics.recordsOut.inc({ topic }, n);
}
