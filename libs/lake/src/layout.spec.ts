import { groupByHour, hourBucket, joinKey, manifestKey, objectFileName, objectKey, parseObjectKey, safeSegment } from './layout';

describe('lake layout (hand-computed names)', () => {
  it('buckets event times by UTC day and hour', () => {
    // 1772546399999 ms = 2026-03-03T13:59:59.999Z; one millisecond later is the 14:00 hour.
    expect(hourBucket(1_772_546_399_999)).toEqual({ dt: '2026-03-03', hr: '13' });
    expect(hourBucket(1_772_546_400_000)).toEqual({ dt: '2026-03-03', hr: '14' });
    expect(hourBucket(0)).toEqual({ dt: '1970-01-01', hr: '00' });
    expect(hourBucket(-1)).toEqual({ dt: '1969-12-31', hr: '23' });
    // 2024-02-29T23:30:00Z, a leap day, late in the day.
    expect(hourBucket(1_709_249_400_000)).toEqual({ dt: '2024-02-29', hr: '23' });
  });

  it('refuses a time that is not one', () => {
    expect(() => hourBucket(Number.NaN)).toThrow('invalid event time NaN');
    expect(() => hourBucket(8.64e15 + 1)).toThrow('invalid event time 8640000000000001');
  });

  it('names a data object by topic, hour and offset range', () => {
    const key = objectKey({ prefix: 'lake', topic: 'events.transaction', partition: 3, firstOffset: 120, lastOffset: 199, bucket: { dt: '2026-03-03', hr: '14' } });
    expect(key).toBe('lake/events.transaction/dt=2026-03-03/hr=14/events.transaction-p3-120-199.parquet');
    expect(objectKey({ prefix: '', topic: 'events.iot', partition: 0, firstOffset: 0, lastOffset: 0, bucket: { dt: '1970-01-01', hr: '00' } })).toBe(
      'events.iot/dt=1970-01-01/hr=00/events.iot-p0-0-0.parquet',
    );
    expect(objectKey({ prefix: '/data/lake/', topic: 'a b/c', partition: 11, firstOffset: 5, lastOffset: 9, bucket: { dt: '2026-01-01', hr: '09' } })).toBe(
      'data/lake/a_b_c/dt=2026-01-01/hr=09/a_b_c-p11-5-9.parquet',
    );
    expect(objectFileName('t', 2, 10, 20)).toBe('t-p2-10-20.parquet');
  });

  it('names the same batch the same way every time (a retried write replaces its object)', () => {
    const parts = { prefix: 'lake', topic: 'events.iot', partition: 1, firstOffset: 7, lastOffset: 8, bucket: hourBucket(1_772_546_400_000) };
    expect(objectKey(parts)).toBe(objectKey({ ...parts, bucket: hourBucket(1_772_549_999_999) }));
    expect(objectKey(parts)).toBe('lake/events.iot/dt=2026-03-03/hr=14/events.iot-p1-7-8.parquet');
  });

  it('names a manifest by consumer group, topic and partition', () => {
    expect(manifestKey('lake', 'sink.lake', 'events.iot', 4)).toBe('lake/_manifests/sink.lake/events.iot/p4.json');
    expect(manifestKey('', 'g/1', 'x:y', 0)).toBe('_manifests/g_1/x_y/p0.json');
  });

  it('keeps dots, dashes, underscores and = in segments and replaces the rest', () => {
    expect(safeSegment('events.click-stream_v2=x')).toBe('events.click-stream_v2=x');
    expect(safeSegment('a/b\\c d:é')).toBe('a_b_c_d__');
  });

  it('joins keys without empty parts or doubled slashes', () => {
    expect(joinKey('', '/a/', '//b', 'c//', '/', '', 'd')).toBe('a/b/c/d');
    expect(joinKey()).toBe('');
    expect(joinKey('a/b', 'c')).toBe('a/b/c');
  });

  it('parses a data object key into its parts, and nothing else', () => {
    expect(parseObjectKey('lake/events.transaction/dt=2026-03-03/hr=14/events.transaction-p3-120-199.parquet')).toEqual({
      topicDir: 'events.transaction',
      dt: '2026-03-03',
      hr: '14',
      topic: 'events.transaction',
      partition: 3,
      firstOffset: 120,
      lastOffset: 199,
    });
    expect(parseObjectKey('t/dt=2026-03-03/hr=00/t-p12-1-2.parquet')).toMatchObject({ partition: 12 });
    expect(parseObjectKey('t/dt=2026-03-03/hr=00/t-p0-1-2.parquet')).toMatchObject({ topicDir: 't', topic: 't', partition: 0, firstOffset: 1, lastOffset: 2 });
    for (const bad of [
      'dt=2026-03-03/hr=14/t-p3-1-2.parquet',
      't/dt=2026-3-03/hr=14/t-p3-1-2.parquet',
      't/dt=2026-03-03x/hr=14/t-p3-1-2.parquet',
      't/dt=2026-03-03/hr=4/t-p3-1-2.parquet',
      't/dt=2026-03-03/hr=144/t-p3-1-2.parquet',
      't/dt=2026-03-03/hr=14/t-p3-1-2.json',
      't/dt=2026-03-03/hr=14/t-px-1-2.parquet',
      't/dt=2026-03-03/hr=14/t-p3-1-2.parquet.tmp',
      't/hr=14/dt=2026-03-03/t-p3-1-2.parquet',
      't/xdt=2026-03-03/hr=14/t-p3-1-2.parquet',
      't/dt=2026-03-03/xhr=14/t-p3-1-2.parquet',
      '_manifests/g/t/p3.json',
    ]) {
      expect([bad, parseObjectKey(bad)]).toEqual([bad, null]);
    }
  });

  it('groups items by hour, in order of first appearance, keeping their order', () => {
    const h13 = 1_772_546_399_999;
    const h14 = 1_772_546_400_000;
    const groups = groupByHour([{ id: 1, t: h14 }, { id: 2, t: h13 }, { id: 3, t: h14 + 5 }, { id: 4, t: h13 - 5 }], (x) => x.t);
    expect([...groups.entries()].map(([id, g]) => [id, g.bucket, g.items.map((x) => x.id)])).toEqual([
      ['2026-03-03/14', { dt: '2026-03-03', hr: '14' }, [1, 3]],
      ['2026-03-03/13', { dt: '2026-03-03', hr: '13' }, [2, 4]],
    ]);
    expect(groupByHour([], () => 0).size).toBe(0);
  });
});
