/**
 * Sends dead-letter records to events.dlq and waits for acks=all before the caller commits the
 * offsets past them. A broker outage is retried until it passes or the sink stops: a record is
 * never skipped without landing somewhere.
 */
import { Producer } from 'kafkajs';
import { buildDlqRecord, DlqErrorType, dlqMessage } from '@platform/contracts';
import { withRetry } from '@platform/runtime';
import { SinkStoppedError } from './deliver';

export interface DeadLetter {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  errorType: DlqErrorType;
  message: string;
  retryCount: number;
  firstAttempt: Date;
}

export class DlqPublisher {
  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly failedIn: string,
    private readonly isStopping: () => boolean = () => false,
  ) {}

  async publish(letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const now = new Date();
    const messages = letters.map((l) => {
      const record = buildDlqRecord(
        { topic: l.topic, partition: l.partition, offset: String(l.offset), key: l.key, value: l.value, headers: l.headers },
        { type: l.errorType, message: l.message },
        { failedIn: this.failedIn, retryCount: l.retryCount, firstAttempt: l.firstAttempt, lastAttempt: now },
      );
      return dlqMessage(record, l.key);
    });
    await withRetry(
      async () => {
        if (this.isStopping()) throw new SinkStoppedError();
        await this.producer.send({ topic: this.topic, messages, acks: -1 });
      },
      {
        maxAttempts: Number.POSITIVE_INFINITY,
        baseDelayMs: 200,
        maxDelayMs: 5000,
        retryable: (error) => !(error instanceof SinkStoppedError) && !this.isStopping(),
      },
    );
  }
}
