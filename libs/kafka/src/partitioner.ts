/**
 * The partition of a keyed record, computed the way Kafka's Java client does (murmur2 of the key
 * bytes), so the API knows a record's partition before sending and other clients agree with it.
 */
// kafkajs ships the Java-compatible murmur2 but does not export it from its entry point.
const murmur2: (key: Buffer | string) => number = require('kafkajs/src/producer/partitioners/default/murmur2');

export function partitionForKey(key: string | Buffer, partitionCount: number): number {
  if (!Number.isInteger(partitionCount) || partitionCount <= 0) throw new Error(`invalid partition count ${partitionCount}`);
  return (murmur2(key) & 0x7fffffff) % partitionCount;
}
