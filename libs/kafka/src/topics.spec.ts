import { Admin } from 'kafkajs';
import { isRetriableKafkaError } from './errors';
import { ensureTopics, TopicPlan, topicReplication } from './topics';

/** A fake admin: topics it knows, and a log of what it was asked. */
function fakeAdmin(
  options: { existing?: string[]; leaderAfter?: number; notLeaderForOffsets?: number; createFails?: Error; createdByOther?: boolean; partialMetadataCalls?: number } = {},
) {
  const topics = new Set(options.existing ?? []);
  const created: unknown[] = [];
  let metadataCalls = 0;
  let offsetCalls = 0;
  const admin = {
    listTopics: async () => [...topics],
    createTopics: async (request: { topics: Array<{ topic: string; numPartitions: number }> }) => {
      if (options.createdByOther) for (const t of request.topics) topics.add(t.topic);
      if (options.createFails) throw options.createFails;
      created.push(request);
      for (const t of request.topics) topics.add(t.topic);
      return true;
    },
    fetchTopicMetadata: async ({ topics: names }: { topics: string[] }) => {
      metadataCalls++;
      const leader = metadataCalls > (options.leaderAfter ?? 0) ? 1 : -1;
      // Partial metadata: odd calls lack the first topic, even calls list one partition of each.
      if (metadataCalls <= (options.partialMetadataCalls ?? 0)) {
        if (metadataCalls % 2 === 1) return { topics: names.slice(1).map((name) => ({ name, partitions: [{ partitionId: 0, leader }, { partitionId: 1, leader }] })) };
        return { topics: names.map((name) => ({ name, partitions: [{ partitionId: 0, leader }] })) };
      }
      return { topics: names.map((name) => ({ name, partitions: [{ partitionId: 0, leader }, { partitionId: 1, leader }] })) };
    },
    fetchTopicOffsets: async (topic: string) => {
      offsetCalls++;
      if (offsetCalls <= (options.notLeaderForOffsets ?? 0)) throw new Error('This server is not the leader for that topic-partition');
      return [{ partition: 0, offset: '0', high: '0', low: '0', topic }];
    },
  };
  return { admin: admin as unknown as Admin, created, metadataCalls: () => metadataCalls, offsetCalls: () => offsetCalls };
}

const plans: TopicPlan[] = [
  { topic: 'a', numPartitions: 2, compacted: false, retentionMs: 1000 },
  { topic: 'b', numPartitions: 2, compacted: true, retentionMs: 1000 },
  { topic: 'c', numPartitions: 1, compacted: false },
];

describe('ensureTopics (fake admin)', () => {
  it('creates only the missing topics with their cleanup policy and retention, and returns their names', async () => {
    const fake = fakeAdmin({ existing: ['c'] });
    expect(await ensureTopics(fake.admin, plans)).toEqual(['a', 'b']);
    expect(fake.created).toEqual([
      {
        waitForLeaders: false,
        topics: [
          { topic: 'a', numPartitions: 2, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'delete' }, { name: 'retention.ms', value: '1000' }] },
          { topic: 'b', numPartitions: 2, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
        ],
      },
    ]);
  });

  it('asks for min.insync.replicas 2 when replicated 3 or more; with 2 replicas it leaves the broker default (one broker down must not stop writes)', async () => {
    const three = fakeAdmin();
    await ensureTopics(three.admin, [plans[2]], 3);
    const two = fakeAdmin();
    await ensureTopics(two.admin, [plans[2]], 2);
    expect((three.created[0] as any).topics[0]).toEqual({ topic: 'c', numPartitions: 1, replicationFactor: 3, configEntries: [{ name: 'cleanup.policy', value: 'delete' }, { name: 'min.insync.replicas', value: '2' }] });
    expect((two.created[0] as any).topics[0].configEntries).toEqual([{ name: 'cleanup.policy', value: 'delete' }]);
  });

  it('does nothing when every topic exists', async () => {
    const fake = fakeAdmin({ existing: ['a', 'b', 'c'] });
    expect(await ensureTopics(fake.admin, plans)).toEqual([]);
    expect(fake.created).toEqual([]);
    expect(fake.metadataCalls()).toBe(0);
  });

  it('accepts a failed create when another process created the topics meanwhile, and fails when it did not', async () => {
    const raced = fakeAdmin({ createFails: new Error('TOPIC_ALREADY_EXISTS'), createdByOther: true });
    expect(await ensureTopics(raced.admin, plans)).toEqual(['a', 'b', 'c']);
    const failed = fakeAdmin({ createFails: new Error('not authorized') });
    await expect(ensureTopics(failed.admin, plans)).rejects.toThrow('not authorized');
  });

  it('waits until every partition of the new topics has a leader', async () => {
    const fake = fakeAdmin({ leaderAfter: 2 });
    await ensureTopics(fake.admin, [plans[0]]);
    expect(fake.metadataCalls()).toBe(3);
  });

  it('waits until the leaders answer ListOffsets, not only until metadata names them', async () => {
    const fake = fakeAdmin({ notLeaderForOffsets: 3 });
    expect(await ensureTopics(fake.admin, plans)).toEqual(['a', 'b', 'c']);
    expect(fake.metadataCalls()).toBe(4);
    expect(fake.offsetCalls()).toBe(3 + plans.length);
  });

  it('gives up after 30 seconds without leaders, naming the topics', async () => {
    jest.useFakeTimers();
    try {
      const fake = fakeAdmin({ leaderAfter: Number.POSITIVE_INFINITY });
      const result = ensureTopics(fake.admin, [plans[0], plans[2]]).catch((e: Error) => e);
      await jest.advanceTimersByTimeAsync(29_950);
      const callsBefore = fake.metadataCalls();
      await jest.advanceTimersByTimeAsync(200);
      expect(((await result) as Error).message).toBe('topics a, c have no leader after 30000 ms');
      // A broker still starting: the app's start is retried rather than failed for good.
      expect(isRetriableKafkaError(await result)).toBe(true);
      expect(callsBefore).toBeGreaterThanOrEqual(290);
    } finally {
      jest.useRealTimers();
    }
  });

  it('fails a create that another process completed only in part', async () => {
    const fake = fakeAdmin({ createFails: new Error('not authorized') });
    const admin = fake.admin as unknown as { createTopics: (r: unknown) => Promise<boolean>; listTopics: () => Promise<string[]> };
    let listed = 0;
    admin.listTopics = async () => (listed++ === 0 ? [] : ['a']);
    await expect(ensureTopics(fake.admin, [plans[0], plans[1]])).rejects.toThrow('not authorized');
  });

  it('waits while metadata lacks a new topic or some of its partitions', async () => {
    const fake = fakeAdmin({ partialMetadataCalls: 4 });
    expect(await ensureTopics(fake.admin, [plans[0], plans[1]])).toEqual(['a', 'b']);
    expect(fake.metadataCalls()).toBe(5);
  });

  it('a partition whose leader is 0 has a leader', async () => {
    const fake = fakeAdmin();
    const admin = fake.admin as unknown as { fetchTopicMetadata: (r: { topics: string[] }) => Promise<unknown> };
    let calls = 0;
    admin.fetchTopicMetadata = async ({ topics }) => {
      calls++;
      return { topics: topics.map((name) => ({ name, partitions: [{ partitionId: 0, leader: 0 }] })) };
    };
    await ensureTopics(fake.admin, [plans[2]]);
    expect(calls).toBe(1);
  });

  it('giving up after failures of its own, it names the last one and keeps it as the cause', async () => {
    jest.useFakeTimers();
    try {
      const fake = fakeAdmin({ notLeaderForOffsets: Number.POSITIVE_INFINITY });
      const result = ensureTopics(fake.admin, [plans[0]]).catch((e: Error) => e);
      await jest.advanceTimersByTimeAsync(30_200);
      const error = (await result) as Error;
      expect(error.name).toBe('TopicsWithoutLeaderError');
      expect(error.message).toBe('topics a have no leader after 30000 ms: This server is not the leader for that topic-partition');
      expect((error.cause as Error).message).toBe('This server is not the leader for that topic-partition');
    } finally {
      jest.useRealTimers();
    }
  });

  it('an explicit min.insync.replicas wins; settings given as an object equal a bare replication factor', async () => {
    const explicit = fakeAdmin();
    await ensureTopics(explicit.admin, [plans[2]], { replicationFactor: 3, minInsyncReplicas: 1 });
    expect((explicit.created[0] as any).topics[0].configEntries).toEqual([
      { name: 'cleanup.policy', value: 'delete' },
      { name: 'min.insync.replicas', value: '1' },
    ]);
    const object = fakeAdmin();
    await ensureTopics(object.admin, [plans[2]], { replicationFactor: 3 });
    expect((object.created[0] as any).topics[0]).toEqual({ topic: 'c', numPartitions: 1, replicationFactor: 3, configEntries: [{ name: 'cleanup.policy', value: 'delete' }, { name: 'min.insync.replicas', value: '2' }] });
  });
});

describe('topicReplication', () => {
  it('takes the environment over the pipeline file, and min.insync.replicas from the environment only', () => {
    expect(topicReplication({ kafkaReplicationFactor: 3, kafkaMinInsyncReplicas: 2 }, { replicationFactor: 1 })).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(topicReplication({}, { replicationFactor: 2 })).toEqual({ replicationFactor: 2, minInsyncReplicas: undefined });
    expect(topicReplication({})).toEqual({ replicationFactor: undefined, minInsyncReplicas: undefined });
  });
});
