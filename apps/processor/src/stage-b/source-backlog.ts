/**
 * Which source partitions still hold input that stage A has not consumed: their end offset is
 * beyond stage A's committed offset. Stage B hands them to its engines as pending sources, so a
 * source that is quiet only because its records are still on their way (stage A restarting or
 * catching up after downtime) is not judged idle; otherwise the sources processed first would
 * carry the watermark past that backlog and route it to the late topic.
 */
import { Admin } from 'kafkajs';
import { sourceName } from '../processing';

export async function sourcesWithBacklog(admin: Admin, stageAGroupId: string, topics: string[]): Promise<Set<string>> {
  const [committed, ...ends] = await Promise.all([admin.fetchOffsets({ groupId: stageAGroupId, topics }), ...topics.map((topic) => admin.fetchTopicOffsets(topic))]);
  const consumed = new Map<string, bigint>();
  for (const { topic, partitions } of committed) {
    for (const { partition, offset } of partitions) if (offset !== '-1' && offset !== '') consumed.set(sourceName(topic, partition), BigInt(offset));
  }
  const backlog = new Set<string>();
  topics.forEach((topic, i) => {
    for (const { partition, high, low } of ends[i]) {
      const name = sourceName(topic, partition);
      if (BigInt(high) > (consumed.get(name) ?? BigInt(low))) backlog.add(name);
    }
  });
  return backlog;
}

/** A repartition partition's offsets, read right after stage A's committed offsets. */
export interface PartitionRange {
  low: bigint;
  high: bigint;
}

/**
 * The sources a task must not judge idle: every source while the task has not read its partition
 * up to the end it had when the backlog was read (records stage A already passed on may still be
 * ahead of the task), else those with a stage A backlog. The end is one past a commit marker,
 * which a caught-up task's position may stop short of. `position` is the task's next offset.
 */
export function sourcesToHold<T>(range: PartitionRange | undefined, position: bigint | undefined, backlog: T, all: T): { hold: T; behind: boolean } {
  if (!range) return { hold: backlog, behind: false };
  const from = position === undefined || position < range.low ? range.low : position;
  const behind = range.high - from > 1n;
  return { hold: behind ? all : backlog, behind };
}
