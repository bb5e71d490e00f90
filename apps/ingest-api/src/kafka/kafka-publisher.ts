/**
 * The API's one idempotent producer (acks=all) behind a BatchingProducer. Connects in the
 * background and again on demand (bounded retries with backoff and jitter); every send is bounded
 * by PRODUCE_TIMEOUT and the queue by MAX_PENDING_RECORDS, so an unreachable broker turns into a
 * 503 within a bounded time instead of a hang or unbounded memory. A caller is told "written" only
 * after the broker acknowledged the record.
 */
import { Kafka, Producer } from 'kafkajs';
import { PlatformError } from '@platform/contracts';
import { BatchingProducer, createIdempotentProducer, OutgoingRecord, RecordAck } from '@platform/kafka';
import { logger } from '@platform/observability';
import { withRetry, withTimeout } from '@platform/resilience';

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

export class KafkaPublisher {
  private readonly producer: Producer;
  private readonly batching: BatchingProducer;
  private connected = false;
  private healthy = false;
  private connecting?: Promise<void>;
  private closed = false;

  constructor(kafka: Kafka, private readonly options: KafkaPublisherOptions) {
    this.producer = createIdempotentProducer(kafka);
    this.producer.on(this.producer.events.DISCONNECT, () => {
      this.connected = false;
      this.healthy = false;
    });
    // Batches stay under the broker's default 1 MB message size for any spread over partitions.
    this.batching = new BatchingProducer(this.producer, { maxBatchRecords: 5000, maxBatchBytes: 900 * 1024, onBatch: options.onBatch });
  }

  get isConnected(): boolean {
    return this.connected && this.healthy;
  }

  get pendingCount(): number {
    return this.batching.pendingCount;
  }

  /** Starts connecting without waiting; failures are retried on the next send. */
  start(): void {
    this.ensureConnected().catch((error) => logger().warn({ err: (error as Error).message }, 'Kafka producer not connected yet'));
  }

  private ensureConnected(): Promise<void> {
    if (this.connected) return Promise.resolve();
    this.connecting ??= withRetry(() => this.producer.connect(), { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000, retryable: () => !this.closed })
      .then(() => {
        this.connected = true;
        this.healthy = true;
      })
      .finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  async send(record: OutgoingRecord): Promise<RecordAck> {
    if (this.closed) throw unavailable('the API is shutting down');
    if (record.value.length > (this.options.maxRecordBytes ?? 900 * 1024)) {
      throw new PlatformError(413, 'PAYLOAD_TOO_LARGE', 'the encoded event is larger than a Kafka record may be');
    }
    if (this.batching.pendingCount >= this.options.maxPendingRecords) throw unavailable('too many events waiting for Kafka');
    const timeout = this.options.produceTimeoutMs;
    try {
      const ack = await withTimeout(this.sendConnected(record), timeout, `Kafka did not acknowledge within ${timeout} ms`);
      this.healthy = true;
      return ack;
    } catch (error) {
      if (error instanceof PlatformError) throw error;
      this.healthy = false;
      logger().warn({ err: (error as Error).message, topic: record.topic }, 'produce failed');
      throw unavailable('Kafka is unavailable; the event was not written');
    }
  }

  private async sendConnected(record: OutgoingRecord): Promise<RecordAck> {
    if (!this.connected) await this.ensureConnected();
    return this.batching.send(record);
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
