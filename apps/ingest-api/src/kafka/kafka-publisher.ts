/**
 * The API's one idempotent producer (acks=all) behind a BatchingProducer. Connects in the
 * background and again on demand (bounded retries with backoff and jitter); every send is bounded
 * by PRODUCE_TIMEOUT and the queue by MAX_PENDING_RECORDS, so an unreachable broker turns into a
 * 503 within a bounded time instead of a hang or unbounded memory. A caller is told "written" only
 * after the broker acknowledged the record.
 */
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Kafka, Producer } from 'kafkajs';
import { PlatformError } from '@platform/contracts';
import { BatchingProducer, createIdempotentProducer, hasKafkaErrorType, OutgoingRecord, RecordAck } from '@platform/kafka';
import { logger, DeadlineQueue, withRetry, withTimeout } from '@platform/runtime';

export interface KafkaPublisherOptions {
  produceTimeoutMs: number;
  maxPendingRecords: number;
  /** Larger records would make the broker reject the whole batch they travel in. */
  maxRecordBytes?: number;
  onBatch?: (records: number, bytes: number, seconds: number) => void;
}

export function unavailable(message: string): PlatformError {
  return new PlatformError(503, 'SERVICE_UNAVAILABLE', message, null, 1);
}

/**
 * A 503 for a record the broker did not acknowledge in time but may still write (the producer keeps
 * retrying it): `settled` gives its ack if it lands, undefined if it failed.
 */
export class UnacknowledgedWrite<T = RecordAck> extends PlatformError {
  constructor(
    message: string,
    readonly settled: Promise<T | undefined>,
  ) {
    super(503, 'SERVICE_UNAVAILABLE', message, null, 1);
  }

  /** The same answer, with the eventual ack turned into what the caller stores. */
  map<U>(convert: (ack: T) => U): UnacknowledgedWrite<U> {
    return new UnacknowledgedWrite(
      this.message,
      this.settled.then((ack) => (ack === undefined ? undefined : convert(ack))),
    );
  }
}

/**
 * Answers after which the broker will never accept this producer's id and sequence again (after a
 * leader failover; kafkajs does not implement KIP-360): only a new producer id recovers.
 */
const PRODUCER_STATE_LOST = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH']);

const producerStateLost = (error: unknown) => hasKafkaErrorType(error, PRODUCER_STATE_LOST);

export class KafkaPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private producer: Producer;
  private readonly batching: BatchingProducer;
  private connected = false;
  private healthy = false;
  private connecting?: Promise<void>;
  private closed = false;
  /** PRODUCE_TIMEOUT for every send on one timer, not one timer per request. */
  private readonly deadlines: DeadlineQueue;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: KafkaPublisherOptions,
  ) {
    this.deadlines = new DeadlineQueue(options.produceTimeoutMs);
    this.producer = this.newProducer();
    // Batches go to whichever producer is current (it is replaced when its id is no longer accepted).
    const current = { sendBatch: (batch: Parameters<Producer['sendBatch']>[0]) => this.producer.sendBatch(batch) } as Producer;
    // Batches stay under the broker's default 1 MB message size for any spread over partitions.
    this.batching = new BatchingProducer(current, { maxBatchRecords: 5000, maxBatchBytes: 900 * 1024, onBatch: options.onBatch });
  }

  private newProducer(): Producer {
    const producer = createIdempotentProducer(this.kafka);
    producer.on(producer.events.DISCONNECT, () => {
      if (producer !== this.producer) return;
      this.connected = false;
      this.healthy = false;
    });
    return producer;
  }

  /** A new producer (and so a new producer id) for the next send; the old one is closed. */
  private replaceProducer(reason: string): void {
    const old = this.producer;
    this.producer = this.newProducer();
    this.connected = false;
    this.healthy = false;
    logger().warn({ reason }, 'Kafka producer replaced: the broker no longer accepts its producer id and sequence');
    void old.disconnect().catch(() => undefined);
  }

  get isConnected(): boolean {
    return this.connected && this.healthy;
  }

  get pendingCount(): number {
    return this.batching.pendingCount;
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  /** Runs after the HTTP server stopped taking requests: what was accepted is flushed. */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  /** Starts connecting without waiting; failures are retried on the next send. */
  start(): void {
    this.ensureConnected().catch((error) => logger().warn({ err: (error as Error).message }, 'Kafka producer not connected yet'));
  }

  private ensureConnected(): Promise<void> {
    if (this.connected) return Promise.resolve();
    this.connecting ??= withRetry(() => this.producer.connect(), {
      maxAttempts: 3,
      baseDelayMs: 100,
      maxDelayMs: 1000,
      retryable: () => !this.closed,
    })
      .then(() => {
        this.connected = true;
        this.healthy = true;
      })
      .finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  async send(record: OutgoingRecord): Promise<RecordAck> {
    const [outcome] = await this.sendMany([record]);
    if (outcome instanceof PlatformError) throw outcome;
    return outcome;
  }

  /**
   * Sends many records under one timeout and one promise; each slot is the record's ack or the
   * PlatformError it met (413 too large, 503 queue full, Kafka unavailable or too slow). A record
   * acknowledged before the timeout keeps its ack even when others in the call time out.
   */
  async sendMany(records: readonly OutgoingRecord[]): Promise<Array<RecordAck | PlatformError>> {
    const out: Array<RecordAck | PlatformError> = new Array(records.length);
    if (this.closed) return out.fill(unavailable('the API is shutting down'));
    const maxRecordBytes = this.options.maxRecordBytes ?? 900 * 1024;
    let room = this.options.maxPendingRecords - this.batching.pendingCount;
    const accepted: OutgoingRecord[] = [];
    const positions: number[] = [];
    for (let i = 0; i < records.length; i++) {
      if (records[i].value.length > maxRecordBytes) {
        out[i] = new PlatformError(413, 'PAYLOAD_TOO_LARGE', 'the encoded event is larger than a Kafka record may be');
      } else if (room <= 0) {
        out[i] = unavailable('too many events waiting for Kafka');
      } else {
        room--;
        accepted.push(records[i]);
        positions.push(i);
      }
    }
    if (accepted.length === 0) return out;
    const acks: Array<RecordAck | Error | undefined> = new Array(accepted.length);
    const timeout = this.options.produceTimeoutMs;
    let failure: unknown;
    let timedOut = false;
    const sending = this.sendConnected(accepted, acks);
    try {
      await this.deadlines.bound(sending.promise, `Kafka did not acknowledge within ${timeout} ms`);
    } catch (error) {
      failure = error;
      timedOut = !sending.settled;
    }
    let written = 0;
    for (let n = 0; n < acks.length; n++) {
      const ack = acks[n];
      if (ack === undefined && timedOut) {
        const settled = sending.promise.then(
          () => acks[n],
          () => acks[n],
        );
        out[positions[n]] = new UnacknowledgedWrite(
          'Kafka did not acknowledge the event in time; a retry with the same event_id answers once the outcome is known',
          settled.then((late) => (late instanceof Error ? undefined : late)),
        );
      } else if (ack === undefined || ack instanceof Error) {
        failure ??= ack;
        out[positions[n]] = unavailable('Kafka is unavailable; the event was not written');
      } else {
        out[positions[n]] = ack;
        written++;
      }
    }
    if (written === acks.length) {
      this.healthy = true;
    } else {
      this.healthy = false;
      logger().warn(
        { err: failure instanceof Error ? failure.message : String(failure), topic: accepted[0].topic, failed: acks.length - written },
        'produce failed',
      );
      const lost = [failure, ...acks].find((e) => e instanceof Error && producerStateLost(e));
      if (lost && !this.closed) this.replaceProducer((lost as Error).message);
    }
    return out;
  }

  /** Sends `records`, filling `acks` as they are acknowledged; `settled` tells whether the send is over. */
  private sendConnected(
    records: readonly OutgoingRecord[],
    acks: Array<RecordAck | Error | undefined>,
  ): { promise: Promise<void>; settled: boolean } {
    const state = { promise: Promise.resolve(), settled: false };
    // Connected (the usual case), the records are queued in this tick, with no extra promise layer.
    const sent = this.connected
      ? this.batching.sendMany(records, acks)
      : this.ensureConnected().then(() => this.batching.sendMany(records, acks));
    state.promise = sent.then(
      () => void (state.settled = true),
      (error: unknown) => {
        state.settled = true;
        throw error;
      },
    );
    return state;
  }

  /** Stops accepting, waits for everything queued to be acknowledged, disconnects. */
  async close(): Promise<void> {
    this.closed = true;
    await withTimeout(this.batching.close(), this.options.produceTimeoutMs * 2, 'producer flush timed out').catch((error) =>
      logger().warn({ err: (error as Error).message }, 'producer flush incomplete'),
    );
    await withTimeout(this.producer.disconnect(), 5000, 'producer disconnect timed out').catch(() => undefined);
    this.connected = false;
  }
}
