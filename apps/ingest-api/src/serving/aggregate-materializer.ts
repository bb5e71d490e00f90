/**
 * Keeps the aggregate store up to date from the aggregated topic, as Kafka Streams' interactive
 * queries do: every API instance reads every partition, read committed (only what the processor's
 * transactions committed), in its own private group, starting where its store says it stopped.
 * The start offsets are committed for that group before the consumer joins, so it never reads from
 * anywhere else first. Lookups are answered once the store has caught up with the topic's end as it
 * was at start, so a restarted instance never serves an older version than it served before.
 */
import { randomUUID } from 'crypto';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { AggregatedRecord } from '@platform/contracts';
import { partitionConsumer, withAdmin } from '@platform/kafka';
import { logger, withRetry } from '@platform/runtime';
import { DecodeResult, RegistryUnavailableError } from '@platform/schema';
import { ServedWindow } from '@platform/windowing';
import { KafkaAdminGateway, PartitionOffsets } from '../kafka/kafka-admin';
import { AggregateStore, SourcedRecord } from './aggregate-store';
import { servingMetrics } from './serving-metrics';

export interface WindowChange {
  eventType: string;
  groupKey: string;
  window: ServedWindow;
  /** Source coordinates of the record that made the change. */
  partition: number;
  offset: bigint;
}

export type ChangeListener = (change: WindowChange) => void;
export type AggregateDecoder = (value: Buffer) => Promise<DecodeResult<AggregatedRecord>>;

export type MaterializerState = 'starting' | 'catching_up' | 'ready' | 'stopped';

export class AggregateMaterializer {
  private consumer?: Consumer;
  private groupId?: string;
  private readonly positions = new Map<number, bigint>();
  private target = new Map<number, bigint>();
  private status: MaterializerState = 'starting';
  private readonly listeners = new Set<ChangeListener>();
  private readonly readyWaiters: Array<() => void> = [];
  private stopping = false;
  private starting?: Promise<void>;
  private wake?: () => void;

  constructor(
    private readonly topic: string,
    private readonly kafka: Kafka,
    private readonly admin: KafkaAdminGateway,
    readonly store: AggregateStore,
    private readonly decode: AggregateDecoder,
    private readonly instanceId: string,
  ) {}

  get state(): MaterializerState {
    return this.status;
  }

  /** Next offset applied, per partition. */
  position(): Map<number, bigint> {
    return new Map(this.positions);
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts in the background; retries until the topic exists and Kafka answers. */
  start(): void {
    this.starting = withRetry(() => this.run(), {
      maxAttempts: Number.MAX_SAFE_INTEGER,
      baseDelayMs: 500,
      maxDelayMs: 5_000,
      retryable: () => !this.stopping,
      // Cut short by stop(), so shutting down never waits out a retry delay.
      sleep: (ms) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ms);
          timer.unref();
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        }),
      // Until the processor has created the topic this is expected: a warning every tenth attempt only.
      onRetry: (error, attempt) =>
        logger()[attempt % 10 === 0 ? 'warn' : 'debug'](
          { err: (error as Error).message, topic: this.topic, attempt },
          'aggregate serving not started yet; retrying',
        ),
    }).catch((error) => {
      if (!this.stopping) logger().error({ err: (error as Error).message }, 'aggregate serving stopped');
    });
  }

  /** Resolves once caught up with the topic's end as it was at start. */
  ready(timeoutMs: number): Promise<void> {
    if (this.status === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`aggregate serving not caught up within ${timeoutMs} ms`)), timeoutMs);
      this.readyWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private async run(): Promise<void> {
    if (this.stopping) return;
    try {
      await this.follow();
    } catch (error) {
      const consumer = this.consumer;
      this.consumer = undefined;
      await consumer?.disconnect().catch(() => undefined);
      throw error;
    }
  }

  /**
   * The topic's offsets through a connection of its own: until the processor has created the topic
   * these look-ups fail, and a failure must not drop the API's shared admin connection under the
   * latest-events requests that use it at the same time.
   */
  private endOffsets(): Promise<PartitionOffsets[]> {
    return withAdmin(this.kafka, async (admin) => {
      if (!(await admin.listTopics()).includes(this.topic)) throw new Error(`topic ${this.topic} does not exist yet`);
      const offsets = await admin.fetchTopicOffsets(this.topic);
      return offsets.map((p) => ({ partition: p.partition, low: BigInt(p.low), high: BigInt(p.high) }));
    });
  }

  private async follow(): Promise<void> {
    const stored = await this.store.open();
    const ends = await this.endOffsets();
    if (ends.length === 0) throw new Error(`topic ${this.topic} has no partitions yet`);
    this.target = new Map(ends.map((e) => [e.partition, e.high]));
    for (const { partition, low } of ends) {
      const from = stored.get(partition) ?? low;
      this.positions.set(partition, from < low ? low : from);
    }
    this.status = 'catching_up';
    this.checkCaughtUp();
    const groupId = `ingest-serving.${this.instanceId}.${randomUUID().slice(0, 8)}`;
    await withAdmin(this.kafka, (admin) =>
      admin.setOffsets({
        groupId,
        topic: this.topic,
        partitions: [...this.positions].map(([partition, offset]) => ({ partition, offset: offset.toString() })),
      }),
    );
    this.groupId = groupId;
    const consumer = partitionConsumer(this.kafka, this.topic, [...this.positions.keys()], groupId);
    this.consumer = consumer;
    // Batches of transaction markers or aborted records never reach eachBatch; this event does.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => this.advance(payload.partition, BigInt(payload.lastOffset) + 1n));
    // A crash kafkajs does not recover from itself: start over from the store's offsets (lookups wait meanwhile).
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || this.stopping || this.consumer !== consumer) return;
      logger().error({ err: payload.error?.message, topic: this.topic }, 'aggregate serving consumer crashed; restarting');
      this.status = 'starting';
      this.consumer = undefined;
      void consumer
        .disconnect()
        .catch(() => undefined)
        .then(() => this.start());
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const partition = batch.partition;
        const from = this.positions.get(partition) ?? 0n;
        const records: SourcedRecord[] = [];
        const now = Date.now();
        for (const message of batch.messages) {
          const offset = BigInt(message.offset);
          if (offset < from || !message.value) continue;
          const record = await this.decodeOrSkip(message, partition);
          if (record) {
            records.push({ record, partition, offset });
            servingMetrics.freshness.observe(Math.max(0, now - Number(message.timestamp)) / 1000);
          }
        }
        const next = BigInt(batch.lastOffset()) + 1n;
        const positions = new Map(this.positions);
        if (next > from) positions.set(partition, next);
        const changed = await this.store.apply(records, positions);
        servingMetrics.applied.inc(records.length);
        this.advance(partition, next);
        if (changed.length > 0 && this.listeners.size > 0) this.publish(records, changed);
      },
    });
  }

  /** Poison is counted and skipped; a registry outage fails the batch, which is read again. */
  private async decodeOrSkip(message: KafkaMessage, partition: number): Promise<AggregatedRecord | undefined> {
    const decoded = await this.decode(message.value!);
    if (decoded.kind === 'ok') return decoded.value;
    if (decoded.kind === 'unavailable') throw new RegistryUnavailableError(decoded.reason, decoded.schemaId);
    servingMetrics.undecodable.inc();
    logger().warn({ err: decoded.reason, topic: this.topic, partition, offset: message.offset }, 'aggregate record skipped: not decodable');
    return undefined;
  }

  private publish(records: SourcedRecord[], changed: Awaited<ReturnType<AggregateStore['apply']>>): void {
    // A change belongs to the last record of its window in the batch (same key -> same partition, in order).
    const source = new Map<string, SourcedRecord>();
    for (const r of records)
      source.set(`${r.record.event_type}\u0000${r.record.group_key}\u0000${r.record.window_name}\u0000${r.record.window_start}`, r);
    for (const c of changed) {
      const from = source.get(`${c.eventType}\u0000${c.groupKey}\u0000${c.window.window_name}\u0000${c.window.window_start}`);
      const change: WindowChange = { ...c, partition: from?.partition ?? -1, offset: from?.offset ?? -1n };
      for (const listener of this.listeners) listener(change);
    }
  }

  private advance(partition: number, next: bigint): void {
    if (next > (this.positions.get(partition) ?? -1n)) this.positions.set(partition, next);
    this.checkCaughtUp();
  }

  private checkCaughtUp(): void {
    if (this.status !== 'catching_up') return;
    for (const [partition, end] of this.target) if ((this.positions.get(partition) ?? 0n) < end) return;
    this.status = 'ready';
    logger().info({ topic: this.topic, store: this.store.kind }, 'aggregate serving caught up');
    for (const wake of this.readyWaiters.splice(0)) wake();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.status = 'stopped';
    this.wake?.();
    await this.starting;
    await this.consumer?.disconnect().catch(() => undefined);
    await this.store.close();
    if (this.groupId) await this.admin.deleteGroups([this.groupId]);
  }
}
