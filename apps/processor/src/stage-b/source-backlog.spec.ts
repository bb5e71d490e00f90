import { Admin } from 'kafkajs';
import { sourcesToHold, sourcesWithBacklog } from './source-backlog';

const ALL = 'all';
const BACKLOG = 'backlog';

describe('sourcesToHold', () => {
  it('holds only the stage A backlog before the partition range is known', () => {
    expect(sourcesToHold(undefined, 5n, BACKLOG, ALL)).toEqual({ hold: BACKLOG, behind: false });
  });

  it('holds every source while records that were on the partition at the refresh are unread', () => {
    expect(sourcesToHold({ low: 0n, high: 10n }, 3n, BACKLOG, ALL)).toEqual({ hold: ALL, behind: true });
    expect(sourcesToHold({ low: 0n, high: 10n }, 8n, BACKLOG, ALL)).toEqual({ hold: ALL, behind: true });
  });

  it('a position one short of the end is caught up: only a commit marker is left', () => {
    expect(sourcesToHold({ low: 0n, high: 10n }, 9n, BACKLOG, ALL)).toEqual({ hold: BACKLOG, behind: false });
    expect(sourcesToHold({ low: 0n, high: 10n }, 10n, BACKLOG, ALL)).toEqual({ hold: BACKLOG, behind: false });
  });

  it('a task with no position yet reads from the low offset, so an empty or truncated partition is caught up', () => {
    expect(sourcesToHold({ low: 40n, high: 40n }, undefined, BACKLOG, ALL).behind).toBe(false);
    expect(sourcesToHold({ low: 40n, high: 41n }, 2n, BACKLOG, ALL).behind).toBe(false);
    expect(sourcesToHold({ low: 40n, high: 45n }, undefined, BACKLOG, ALL).behind).toBe(true);
  });
});

describe('sourcesWithBacklog (fake admin)', () => {
  /** Committed offsets of stage A's group and the topics' low/high offsets, as kafkajs's admin answers. */
  function fakeAdmin(committed: Record<string, Array<[number, string]>>, ends: Record<string, Array<[number, string, string]>>) {
    const asked: unknown[] = [];
    const admin = {
      fetchOffsets: async (request: { groupId: string; topics: string[] }) => {
        asked.push(request);
        return request.topics.map((topic) => ({ topic, partitions: (committed[topic] ?? []).map(([partition, offset]) => ({ partition, offset, metadata: null })) }));
      },
      fetchTopicOffsets: async (topic: string) => (ends[topic] ?? []).map(([partition, low, high]) => ({ partition, offset: high, high, low })),
    };
    return { admin: admin as unknown as Admin, asked };
  }

  it('lists the partitions whose end is past what stage A committed, or past their start when it committed nothing', async () => {
    const { admin, asked } = fakeAdmin(
      {
        'events.a': [[0, '10'], [1, '7'], [2, '-1'], [3, ''], [4, '12']],
        'events.b': [[0, '0']],
      },
      {
        'events.a': [[0, '0', '10'], [1, '0', '9'], [2, '5', '5'], [3, '0', '1'], [4, '0', '11'], [5, '3', '4']],
        'events.b': [[0, '0', '1'], [1, '2', '2']],
      },
    );
    const backlog = await sourcesWithBacklog(admin, 'stage-a', ['events.a', 'events.b']);
    expect([...backlog].sort()).toEqual(['events.a-1', 'events.a-3', 'events.a-5', 'events.b-0'].sort());
    expect(asked).toEqual([{ groupId: 'stage-a', topics: ['events.a', 'events.b'] }]);
  });

  it('compares offsets as integers, beyond 2^53', async () => {
    const { admin } = fakeAdmin({ t: [[0, '9007199254740993'], [1, '9007199254740993']] }, { t: [[0, '0', '9007199254740993'], [1, '0', '9007199254740994']] });
    expect([...(await sourcesWithBacklog(admin, 'g', ['t']))]).toEqual(['t-1']);
  });

  it('reads an empty committed offset as none: a partition emptied by retention has no backlog', async () => {
    const { admin } = fakeAdmin({ t: [[0, '']] }, { t: [[0, '5', '5']] });
    expect((await sourcesWithBacklog(admin, 'g', ['t'])).size).toBe(0);
  });

  it('is empty when everything is consumed or there are no topics', async () => {
    const { admin } = fakeAdmin({ t: [[0, '3']] }, { t: [[0, '0', '3']] });
    expect((await sourcesWithBacklog(admin, 'g', ['t'])).size).toBe(0);
    expect((await sourcesWithBacklog(fakeAdmin({}, {}).admin, 'g', [])).size).toBe(0);
  });
});
