/**
 * The schemas log on a compacted, single-partition Kafka topic.
 *
 * Reading: a consumer (its own group, never committing) applies every committed record in offset
 * order; on start the instance reads to the end before it serves. Offsets already applied are
 * skipped, so a consumer restart inside kafkajs cannot apply a record twice.
 *
 * Writing, and why ids never collide between instances: every instance of the same topic uses the
 * same transactional id. Starting a producer with that id fences (and aborts the open transaction of)
 * whichever instance started one before. A write (1) reads the log to its end, (2) plans against that
 * state (next id, next version), (3) appends in a transaction and (4) waits until its own consumer has
 * applied the records. If another instance started a producer after ours, our transaction cannot
 * commit (fenced): we start a new producer, which fences the other, and plan again against the newer
 * state. So at most one instance commits a decision taken on a given state — a compare-and-set on the
 * log. Limits: instances that write at the same moment take turns (a fenced attempt is retried, up to
 * `writeAttempts` times, then the request fails with 50001); transactions need a broker with a
 * transaction coordinator (min.insync.replicas <= replicas of __transaction_state); a record written
 * to the topic by anything else is applied as it is.
 */
import { randomUUID } from 'crypto';
import { Admin, Consumer, Kafka, Partitioners, Producer } from 'kafkajs';
import { logger, RetriesExhaustedError, withRetry, type CompressionCodec, type KafkaSecurity } from '@platform/runtime';
import { createAdmin, createConsumer, createKafka, createTransactionalProducer, ensureTopics, TopicReplication } from '@platform/kafka';
import { Plan } from '../domain/registry-commands';
import { Errors, RegistryError } from '../domain/registry-errors';
import { RegistryState } from '../domain/registry-state';
import { encodeKey, encodeValue } from '../domain/store-records';
import { SchemaLog } from './schema-log';

export interface KafkaSchemaLogOptions {
  brokers: string[];
  topic: string;
  clientId?: string;
  /** TLS/SASL and codec of the connection (KAFKA_SECURITY_PROTOCOL and friends). */
  security?: KafkaSecurity;
  compression?: CompressionCodec;
  /** Replication of the schemas topic when this instance creates it. */
  replication?: TopicReplication;
  /** How long a read may wait for the log's end (and a write for its own records). */
  catchUpTimeoutMs?: number;
  writeAttempts?: number;
}

interface Waiter {
  offset: number;
  resolve: () => void;
}

export class KafkaSchemaLog implements SchemaLog {
  readonly state = new RegistryState();
  private readonly kafka: Kafka;
  private admin?: Admin;
  private consumer?: Consumer;
  private producer?: Producer;
  /** The offset of the next record to apply. */
  private position = 0;
  private waiters: Waiter[] = [];
  private writeQueue: Promise<unknown> = Promise.resolve();
  private consumerFailed = false;
  private closed = false;

  constructor(private readonly options: KafkaSchemaLogOptions) {
    this.kafka = createKafka({
      brokers: options.brokers,
      clientId: options.clientId ?? 'schema-registry',
      security: options.security,
      compression: options.compression,
    });
  }

  private get timeoutMs(): number {
    return this.options.catchUpTimeoutMs ?? 15000;
  }

  async start(): Promise<void> {
    const { topic } = this.options;
    this.admin = createAdmin(this.kafka);
    await this.admin.connect();
    await ensureTopics(this.admin, [{ topic, numPartitions: 1, compacted: true }], this.options.replication);
    const metadata = await this.admin.fetchTopicMetadata({ topics: [topic] });
    const partitions = metadata.topics[0]?.partitions.length ?? 0;
    if (partitions !== 1) throw new Error(`schemas topic ${topic} must have exactly 1 partition (it has ${partitions}): order matters`);

    await this.connectProducer(); // also aborts a transaction a crashed instance left open
    this.consumer = createConsumer(this.kafka, `schema-registry.${topic}.${randomUUID()}`, { maxWaitTimeInMs: 500 });
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) => this.advance(Number(payload.lastOffset) + 1));
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      logger().error({ err: payload.error, restart: payload.restart }, 'schemas log consumer crashed');
      if (!payload.restart) this.consumerFailed = true;
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) this.applyMessage(Number(message.offset), message.key, message.value);
      },
    });
    await this.catchUp();
    logger().info({ topic, position: this.position, maxId: this.state.maxId() }, 'schemas log loaded');
  }

  /** Healthy while the consumer runs (kafkajs restarts it on retriable errors). */
  healthy(): boolean {
    return !this.closed && !this.consumerFailed;
  }

  private applyMessage(offset: number, key: Buffer | null, value: Buffer | null): void {
    if (offset < this.position) return;
    const applied = this.state.applyRecord(key === null ? null : key.toString('utf8'), value === null ? null : value.toString('utf8'));
    if (!applied) logger().warn({ offset, key: key?.toString('utf8') }, 'skipped a schemas log record this registry does not understand');
    this.advance(offset + 1);
  }

  private advance(next: number): void {
    if (next <= this.position) return;
    this.position = next;
    const ready = this.waiters.filter((waiter) => waiter.offset <= next);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((waiter) => waiter.offset > next);
    ready.forEach((waiter) => waiter.resolve());
  }

  private waitForPosition(offset: number, what: string): Promise<void> {
    if (this.position >= offset) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(Errors.storeTimeout(`${what}: the schemas log was not read up to offset ${offset} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const waiter: Waiter = {
        offset,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  async catchUp(): Promise<void> {
    if (!this.admin) throw Errors.storeError('the schemas log is not started');
    let end: number;
    try {
      const [partition] = await this.admin.fetchTopicOffsets(this.options.topic);
      end = Number(partition.high);
    } catch (error) {
      throw Errors.storeError(`could not read the end of the schemas log (${(error as Error).message})`);
    }
    await this.waitForPosition(end, 'catching up');
  }

  write<T>(plan: (state: RegistryState) => Plan<T>): Promise<T> {
    // One write at a time per instance; the transaction fences writes from other instances.
    const run = this.writeQueue.then(() => this.writeWithRetries(plan));
    this.writeQueue = run.catch(() => undefined);
    return run;
  }

  private async writeWithRetries<T>(plan: (state: RegistryState) => Plan<T>): Promise<T> {
    try {
      return await withRetry(
        async (attempt) => {
          if (this.closed) throw Errors.storeError('the registry is shutting down');
          try {
            return await this.writeOnce(plan);
          } catch (error) {
            if (error instanceof RegistryError) throw error;
            logger().warn(
              { err: error, attempt: attempt + 1 },
              'schemas log write failed (another instance may have written first); retrying',
            );
            await this.dropProducer();
            throw error;
          }
        },
        {
          maxAttempts: this.options.writeAttempts ?? 8,
          // Random back-off, so two instances that keep fencing each other fall out of step.
          baseDelayMs: 50,
          maxDelayMs: 1000,
          fullJitter: true,
          retryable: (error) => !(error instanceof RegistryError),
        },
      );
    } catch (error) {
      if (!(error instanceof RetriesExhaustedError)) throw error;
      throw Errors.storeError(`could not append to the schemas log: ${(error.lastError as Error)?.message ?? 'unknown error'}`);
    }
  }

  private async writeOnce<T>(plan: (state: RegistryState) => Plan<T>): Promise<T> {
    const producer = this.producer ?? (await this.connectProducer());
    await this.catchUp();
    const { records, result } = plan(this.state);
    if (records.length === 0) return result;
    const transaction = await producer.transaction();
    let lastOffset: number;
    try {
      const [meta] = await transaction.send({
        topic: this.options.topic,
        messages: records.map((record) => ({ key: encodeKey(record.key), value: encodeValue(record.value) })),
      });
      await transaction.commit();
      lastOffset = Number(meta.baseOffset) + records.length - 1;
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      throw error;
    }
    await this.waitForPosition(lastOffset + 1, 'applying a write');
    return result;
  }

  private async connectProducer(): Promise<Producer> {
    const producer = createTransactionalProducer(this.kafka, `schema-registry.${this.options.topic}`, {
      transactionTimeout: 10000,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    try {
      await producer.connect();
      // kafkajs takes the producer id (and so fences the other instances) on the first transaction; do it
      // now, before this instance reads the log to plan a write. An empty transaction ends locally.
      const initial = await producer.transaction();
      await initial.abort();
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      throw error;
    }
    this.producer = producer;
    return producer;
  }

  private async dropProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writeQueue;
    await this.dropProducer();
    await this.consumer?.disconnect().catch((error) => logger().warn({ err: error }, 'schemas log consumer did not stop cleanly'));
    await this.admin?.disconnect().catch(() => undefined);
    for (const waiter of this.waiters) waiter.resolve();
    this.waiters = [];
  }
}
