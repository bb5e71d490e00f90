/**
 * The group's committed offset of a partition, read after the task's producer fenced the previous
 * owner: from then on it is stable, so a consumer position behind it means records that a
 * committed transaction already covered (the group's offsets were fetched before that commit).
 */
import { Admin } from 'kafkajs';

export async function committedOffset(admin: Admin, groupId: string, topic: string, partition: number): Promise<bigint | undefined> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const found = entry?.partitions.find((p) => p.partition === partition);
  if (!found || found.offset === '-1' || found.offset === '') return undefined;
  return BigInt(found.offset);
}
