/**
 * The partition Kafka's own Java client picks for a key, from literal results it produced
 * (libs/kafka/src/partitioner.fixture.json, made by test/support/fixtures/KafkaPartitions.java). Tests use
 * it as the expected value instead of the partitioner under test.
 */
import javaClient from '../../libs/kafka/src/partitioner.fixture.json';

/** Keys with Java's results: ASCII and multi-byte, with positive and negative murmur2 hashes. */
export const KAFKA_JAVA_KEYS: readonly string[] = javaClient.keys.map((k) => k.key);

export function kafkaJavaPartition(key: string, partitionCount: number): number {
  const entry = javaClient.keys.find((k) => k.key === key);
  const partition = (entry?.partitions as Record<string, number> | undefined)?.[String(partitionCount)];
  if (partition === undefined) throw new Error(`no Java client result for key ${JSON.stringify(key)} and ${partitionCount} partitions; add it to test/support/fixtures/KafkaPartitions.java`);
  return partition;
}
