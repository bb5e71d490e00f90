/**
 * Keeps the reference table current from its compacted topic: reads it to the end before the
 * processor starts, seeds keys from the pipeline config that the topic does not have yet, then
 * follows changes for as long as the processor runs.
 */
import { randomUUID } from 'crypto';
import { Consumer, Kafka } from 'kafkajs';
import { Logger } from 'pino';
import { PipelineConfig } from '@platform/config';
import { createConsumer, createIdempotentProducer, readTopicToEnd } from '@platform/kafka';
import { ReferenceTable } from '@platform/processing';

export class ReferenceFeed {
  readonly table = new ReferenceTable();
  private consumer?: Consumer;

  constructor(private readonly kafka: Kafka, private readonly pipeline: PipelineConfig, private readonly log: Logger) {}

  private applyRecord(key: Buffer | null, value: Buffer | null): void {
    const recordKey = key?.toString('utf8');
    if (!recordKey || !this.table.apply(recordKey, value === null ? null : value.toString('utf8'))) {
      this.log.warn({ key: recordKey }, 'ignored a malformed reference data record');
    }
  }

  async start(): Promise<void> {
    const topic = this.pipeline.topics.reference.name;
    const seen = new Set<string>();
    for (const { message } of await readTopicToEnd(this.kafka, topic)) {
      this.applyRecord(message.key, message.value);
      if (message.key) seen.add(message.key.toString('utf8'));
    }
    const missing = ReferenceTable.seedRecords(this.pipeline.referenceData).filter((r) => !seen.has(r.key));
    if (missing.length > 0) {
      const producer = createIdempotentProducer(this.kafka);
      await producer.connect();
      try {
        await producer.send({ topic, acks: -1, messages: missing });
      } finally {
        await producer.disconnect();
      }
      for (const r of missing) this.table.apply(r.key, r.value);
      this.log.info({ topic, records: missing.length }, 'seeded reference data from the pipeline config');
    }
    // Follow later changes; a private group reads from the start, which re-applies the same values.
    this.consumer = createConsumer(this.kafka, `reference-follower-${randomUUID()}`);
    await this.consumer.connect();
    await this.consumer.subscribe({ topic, fromBeginning: true });
    await this.consumer.run({ eachMessage: async ({ message }) => this.applyRecord(message.key, message.value) });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
  }
}
