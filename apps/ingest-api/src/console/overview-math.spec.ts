import { groupLag, hasCommits, maxGauge, ratePerSecond, rateSeries, SampleHistory } from './overview-math';

describe('groupLag', () => {
  const ends = [
    { partition: 0, low: 0n, high: 10n },
    { partition: 1, low: 5n, high: 7n },
    { partition: 2, low: 100n, high: 100n },
  ];

  it('sums end minus committed over partitions', () => {
    expect(groupLag(ends, [{ partition: 0, offset: '4' }, { partition: 1, offset: '7' }, { partition: 2, offset: '100' }])).toBe(6n);
  });

  it('counts a partition without a commit from its first readable offset', () => {
    expect(groupLag(ends, [{ partition: 0, offset: '-1' }, { partition: 1, offset: '' }])).toBe(12n);
  });

  it('never counts below the first readable offset or beyond the end', () => {
    expect(groupLag(ends, [{ partition: 0, offset: '12' }, { partition: 1, offset: '2' }, { partition: 2, offset: '3' }])).toBe(2n);
  });
});

describe('hasCommits', () => {
  it('is true only when some partition has a real commit', () => {
    expect(hasCommits([{ partition: 0, offset: '-1' }, { partition: 1, offset: '' }])).toBe(false);
    expect(hasCommits([{ partition: 0, offset: '-1' }, { partition: 1, offset: '0' }])).toBe(true);
  });
});

describe('ratePerSecond', () => {
  it('divides the growth by the elapsed seconds, to two decimals', () => {
    expect(ratePerSecond(100, 130, 2000)).toBe(15);
    expect(ratePerSecond(0, 1, 3000)).toBe(0.33);
  });

  it('is null for missing readings, no elapsed time or a counter that went back', () => {
    expect(ratePerSecond(undefined, 5, 1000)).toBeNull();
    expect(ratePerSecond(5, undefined, 1000)).toBeNull();
    expect(ratePerSecond(5, 6, 0)).toBeNull();
    expect(ratePerSecond(9, 6, 1000)).toBeNull();
  });
});

describe('rateSeries', () => {
  it('gives one rate per sample after the first', () => {
    const samples = [
      { t: 0, n: 0 },
      { t: 1000, n: 10 },
      { t: 3000, n: 10 },
      { t: 4000, n: undefined as number | undefined },
    ];
    expect(rateSeries(samples, (s) => s.n)).toEqual([10, 0, null]);
  });
});

describe('SampleHistory', () => {
  it('keeps only the samples within the span of the newest', () => {
    const history = new SampleHistory<{ t: number }>(1000);
    for (const t of [0, 400, 900, 1500, 2100]) history.add({ t });
    expect(history.all().map((s) => s.t)).toEqual([1500, 2100]);
    expect(history.latest).toEqual({ t: 2100 });
  });
});

describe('maxGauge', () => {
  const text = [
    '# HELP processor_watermark_lag_seconds Wall clock minus the task watermark',
    '# TYPE processor_watermark_lag_seconds gauge',
    'processor_watermark_lag_seconds{task="0"} 3.5',
    'processor_watermark_lag_seconds{task="1",app="x"} 12',
    'processor_watermark_lag_seconds{task="2"} NaN',
    'processor_watermark_lag_seconds_total 99',
    'other_metric 1000',
  ].join('\n');

  it('reads the largest labelled sample of the named metric only', () => {
    expect(maxGauge(text, 'processor_watermark_lag_seconds')).toBe(12);
  });

  it('reads an unlabelled sample and is undefined for an absent metric', () => {
    expect(maxGauge('up 1\n', 'up')).toBe(1);
    expect(maxGauge(text, 'missing_metric')).toBeUndefined();
  });
});
