/**
 * One transactional producer per task (input partition), as Kafka Streams' exactly-once does per
 * task: the transactional id names the task, so when a task moves to another instance the new
 * owner's producer fences the old one (a zombie can no longer commit) and aborts what it left open.
 */
import { Kafka, Producer } from 'kafkajs';
import { createTransactionalProducer } from '@platform/kafka';

export class TransactionalProducers {
  private readonly producers = new Map<string, Promise<Producer>>();

  constructor(private readonly kafka: Kafka) {}

  /** The task's producer, connected and initialised (which fences any earlier holder of the id). */
  get(transactionalId: string): Promise<Producer> {
    let producer = this.producers.get(transactionalId);
    if (!producer) {
      producer = this.open(transactionalId);
      producer.catch(() => this.producers.delete(transactionalId));
      this.producers.set(transactionalId, producer);
    }
    return producer;
  }

  private async open(transactionalId: string): Promise<Producer> {
    const producer = createTransactionalProducer(this.kafka, transactionalId);
    await producer.connect();
    // The first transaction registers the id with the coordinator: that is the fencing step.
    const probe = await producer.transaction();
    await probe.abort();
    return producer;
  }

  /** Forgets a producer after a failed transaction or when its task moves away. */
  async drop(transactionalId: string): Promise<void> {
    const producer = this.producers.get(transactionalId);
    this.producers.delete(transactionalId);
    if (producer) await producer.then((p) => p.disconnect()).catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.producers.keys()].map((id) => this.drop(id)));
  }
}
