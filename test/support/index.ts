/** Helpers for end-to-end tests against the real broker and registry (never used by the apps). */
import { randomUUID } from 'crypto';
import { Kafka } from 'kafkajs';
import { createKafka, kafkaSettingsFromEnv } from '@platform/kafka';

export const TEST_BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
export const TEST_REGISTRY_URL = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081';

/** A name no other test run uses, so tests never share topics or consumer groups. */
export function uniqueName(prefix: string): string {
  return `${prefix}.${Date.now().toString(36)}.${randomUUID().slice(0, 8)}`;
}

export function testKafka(clientId = 'e2e'): Kafka {
  return createKafka(kafkaSettingsFromEnv(clientId, process.env, { brokers: TEST_BROKERS }));
}

/** Waits until `check` returns a truthy value, polling; fails with `what` after timeoutMs. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 30000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const result = await check();
      if (result) return result;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}
export * from './registry';
export * from './pipeline';
export * from './kafka-java-partitions';
export * from './warehouse-contract';
