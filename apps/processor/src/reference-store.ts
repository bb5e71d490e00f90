/**
 * The reference tables, kept current from the compacted reference topic. On start it reads the
 * topic to its end, produces the configured seed entries the topic lacks (idempotent: present
 * keys are left alone), then keeps following the topic so updates and tombstones apply live.
 */
import { Consumer, Kafka } from 'kafkajs';
import { PipelineConfig, Logger } from '@platform/runtime';
import { createIdempotentProducer, partitionConsumer, readPartitionsToEnd } from '@platform/kafka';
import { ReferenceTable } from './processing';

export class ReferenceStore {
  readonly table = new ReferenceTable();
  private follower?: Consumer;

  constructor(
    private readonly kafka: Kafka,
    private readonly pipeline: PipelineConfig,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const topic = this.pipeline.topics.reference.name;
    const partitions = Array.from({ length: this.pipeline.topics.reference.partitions }, (_, p) => p);
    await readPartitionsToEnd(
      this.kafka,
      topic,
      partitions,
      (_, m) => m.key && this.table.apply(m.key.toString('utf8'), m.value ? m.value.toString('utf8') : null),
    );
    // Seeding is idempotent: only keys the topic lacks are written; present ones may have been edited.
    const seeds = ReferenceTable.seedRecords(this.pipeline.referenceData).filter((s) => {
      const colon = s.key.indexOf(':');
      return !this.table.has(s.key.slice(0, colon), s.key.slice(colon + 1));
    });
    if (seeds.length > 0) {
      const producer = createIdempotentProducer(this.kafka);
      await producer.connect();
      try {
        await producer.send({ topic, acks: -1, messages: seeds.map((s) => ({ key: s.key, value: s.value })) });
      } finally {
        await producer.disconnect();
      }
      for (const s of seeds) this.table.apply(s.key, s.value);
      this.log.info({ topic, entries: seeds.length }, 'seeded reference data');
    }
    this.follower = partitionConsumer(this.kafka, topic, partitions);
    await this.follower.connect();
    await this.follower.subscribe({ topic, fromBeginning: true });
    await this.follower.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) if (m.key) this.table.apply(m.key.toString('utf8'), m.value ? m.value.toString('utf8') : null);
      },
    });
  }

  async stop(): Promise<void> {
    await this.follower?.disconnect().catch(() => undefined);
  }
}
