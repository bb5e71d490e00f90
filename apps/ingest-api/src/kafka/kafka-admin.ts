/**
 * One long-lived admin connection for offset and metadata look-ups, every call bounded
 * in time; a failed call drops the connection so the next one reconnects.
 */
import type { OnApplicationShutdown } from '@nestjs/common';
import { Admin, Kafka } from 'kafkajs';
import { createAdmin, explainKafkaError } from '@platform/kafka';
import { withTimeout } from '@platform/runtime';
import { unavailable } from './kafka-publisher';

export interface PartitionOffsets {
  partition: number;
  /** First readable offset. */
  low: bigint;
  /** Next offset to be written (read-committed end). */
  high: bigint;
}

export class KafkaAdminGateway implements OnApplicationShutdown {
  private admin?: Admin;
  private connecting?: Promise<Admin>;

  constructor(
    private readonly kafka: Kafka,
    private readonly timeoutMs: number,
  ) {}

  private connected(): Promise<Admin> {
    if (this.admin) return Promise.resolve(this.admin);
    this.connecting ??= (async () => {
      const admin = createAdmin(this.kafka);
      await admin.connect();
      this.admin = admin;
      return admin;
    })().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async call<T>(what: string, work: (admin: Admin) => Promise<T>): Promise<T> {
    try {
      return await withTimeout(this.connected().then(work), this.timeoutMs, `Kafka did not answer ${what} within ${this.timeoutMs} ms`);
    } catch (error) {
      const admin = this.admin;
      this.admin = undefined;
      admin?.disconnect().catch(() => undefined);
      // Wrong credentials or a missing ACL stay what they are: the caller must not retry them.
      const fatal = explainKafkaError(error);
      if (fatal) throw fatal;
      throw unavailable(`Kafka is unavailable (${what})`);
    }
  }

  async offsets(topic: string): Promise<PartitionOffsets[]> {
    const answer = await this.call('offsets', (admin) => admin.fetchTopicOffsets(topic));
    return answer
      .map((p) => ({ partition: p.partition, low: BigInt(p.low), high: BigInt(p.high) }))
      .sort((a, b) => a.partition - b.partition);
  }

  async partitionCounts(topics: string[]): Promise<Map<string, number>> {
    const metadata = await this.call('metadata', (admin) => admin.fetchTopicMetadata({ topics }));
    return new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
  }

  async deleteGroups(groupIds: string[]): Promise<void> {
    await this.call('deleteGroups', (admin) => admin.deleteGroups(groupIds)).catch(() => undefined);
  }

  async run<T>(what: string, work: (admin: Admin) => Promise<T>): Promise<T> {
    return this.call(what, work);
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }
}
