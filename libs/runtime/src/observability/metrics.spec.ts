import { Counter, Histogram, Registry } from 'prom-client';
import { addThreadMetrics, counter, counterSeries, gauge, histogram, histogramSeries, initMetrics, LATENCY_BUCKETS, processMetrics, registry, threadMetricsLabels } from './metrics';

describe('the process metrics with a worker thread (its registry faked by a second registry)', () => {
  it('serves the thread series with this registry and sums series both keep', async () => {
    const here = counter('spec_records_total', 'records', ['topic']);
    here.inc({ topic: 'dlq' }, 2);
    here.inc({ topic: 'aggregated' }, 5);
    const thread = new Registry();
    const there = new Counter({ name: 'spec_records_total', help: 'records', labelNames: ['topic'], registers: [thread] });
    there.inc({ topic: 'dlq' }, 3);
    there.inc({ topic: 'repartition' }, 7);
    const remove = addThreadMetrics(() => thread.getMetricsAsJSON());
    try {
      const text = await processMetrics();
      expect(text).toContain('spec_records_total{topic="dlq"} 5');
      expect(text).toContain('spec_records_total{topic="aggregated"} 5');
      expect(text).toContain('spec_records_total{topic="repartition"} 7');
    } finally {
      remove();
    }
    expect(await processMetrics()).not.toContain('repartition');
    registry.removeSingleMetric('spec_records_total');
  });
});

describe('counterSeries and histogramSeries', () => {
  /** The same instruments on two registries: one fed by prom-client's children, one by the series. */
  function pair() {
    const registries = [new Registry(), new Registry()];
    const [viaChild, viaSeries] = registries.map((registers) => ({
      requests: new Counter({ name: 'spec_requests_total', help: 'requests', labelNames: ['route', 'status'], registers: [registers] }),
      latency: new Histogram({ name: 'spec_latency_seconds', help: 'latency', labelNames: ['route', 'status'], buckets: [0.01, 0.1, 1], registers: [registers] }),
    }));
    return { registries, viaChild, viaSeries };
  }

  it('export exactly what prom-client children export for the same calls, across a reset and a removal', async () => {
    const { registries, viaChild, viaSeries } = pair();
    const children = [viaChild.requests.labels('/a', '201'), viaChild.requests.labels('/b', '404')] as const;
    const series = [counterSeries(viaSeries.requests, ['/a', '201']), counterSeries(viaSeries.requests, ['/b', '404'])] as const;
    const latencyChild = viaChild.latency.labels('/a', '201');
    const latencySeries = histogramSeries(viaSeries.latency, ['/a', '201']);
    const same = async () => expect(await registries[1].metrics()).toBe(await registries[0].metrics());
    const feed = (rounds: number) => {
      for (let i = 0; i < rounds; i++) {
        const value = [0.005, 0.05, 0.5, 5, 0.01][i % 5];
        children[i % 2].inc();
        series[i % 2].inc();
        children[0].inc(3);
        series[0].inc(3);
        latencyChild.observe(value);
        latencySeries.observe(value);
      }
    };
    feed(12);
    await same();
    expect(await registries[1].metrics()).toContain('spec_latency_seconds_bucket{le="0.01",route="/a",status="201"} 5');
    for (const instruments of [viaChild, viaSeries]) {
      instruments.requests.reset();
      instruments.latency.reset();
    }
    feed(7);
    await same();
    for (const instruments of [viaChild, viaSeries]) instruments.requests.remove('/b', '404');
    feed(3);
    await same();
  });

  it('refuse what prom-client refuses: a negative count, a value that is not a number', () => {
    const { viaSeries } = pair();
    const requests = counterSeries(viaSeries.requests, ['/a', '201']);
    const latency = histogramSeries(viaSeries.latency, ['/a', '201']);
    requests.inc();
    latency.observe(0.1);
    expect(() => requests.inc(-1)).toThrow();
    expect(() => latency.observe(NaN)).toThrow();
  });
});

describe('the registry and its instruments', () => {
  afterEach(() => {
    for (const name of ['spec_once_total', 'spec_level', 'spec_wait_seconds', 'spec_custom_seconds']) registry.removeSingleMetric(name);
  });

  it('labels every series with the app, collects the default metrics once, and exports build_info', async () => {
    expect(initMetrics('metrics-spec')).toBe(registry);
    expect(threadMetricsLabels()).toEqual({ app: 'metrics-spec' });
    const labels = threadMetricsLabels();
    labels.app = 'changed';
    expect(threadMetricsLabels()).toEqual({ app: 'metrics-spec' });
    initMetrics('metrics-spec-2');
    const text = await registry.metrics();
    expect(text).toContain('process_cpu_user_seconds_total{app="metrics-spec-2"}');
    expect(text.match(/^# TYPE process_cpu_user_seconds_total /gm)).toHaveLength(1);
    expect(text).toMatch(/^build_info\{.*app="metrics-spec-2".*\} 1$/m);
  });

  it('hands back the instrument already registered under a name', () => {
    const first = counter('spec_once_total', 'once', ['a']);
    expect(counter('spec_once_total', 'again')).toBe(first);
    const level = gauge('spec_level', 'level');
    expect(gauge('spec_level', 'level')).toBe(level);
    const wait = histogram('spec_wait_seconds', 'wait');
    expect(histogram('spec_wait_seconds', 'wait')).toBe(wait);
    expect(registry.getSingleMetric('spec_once_total')).toBe(first);
  });

  it('histograms use the latency buckets unless given others', async () => {
    expect(LATENCY_BUCKETS).toEqual([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
    histogram('spec_wait_seconds', 'wait', ['op']).observe({ op: 'x' }, 0.003);
    histogram('spec_custom_seconds', 'custom', [], [1, 2]).observe(1.5);
    const text = await registry.metrics();
    expect(text.match(/^spec_wait_seconds_bucket\{le="([^"]+)"/gm)?.length).toBe(LATENCY_BUCKETS.length + 1);
    expect(text).toMatch(/^spec_wait_seconds_bucket\{le="0.005"[^}]*\} 1$/m);
    expect(text).toMatch(/^spec_wait_seconds_bucket\{le="0.0025"[^}]*\} 0$/m);
    expect(text).toMatch(/^spec_custom_seconds_bucket\{le="2"[^}]*\} 1$/m);
    expect(text).toMatch(/^spec_custom_seconds_bucket\{le="1"[^}]*\} 0$/m);
  });
});

describe('series shortcuts, boundaries', () => {
  it('a value on a bucket bound counts in that bucket; an unlabelled series works too', async () => {
    const own = new Registry();
    const latency = new Histogram({ name: 'spec_bound_seconds', help: 'b', buckets: [0.5, 1], registers: [own] });
    const requests = new Counter({ name: 'spec_plain_total', help: 'p', registers: [own] });
    const series = histogramSeries(latency);
    const count = counterSeries(requests);
    series.observe(0.25);
    series.observe(0.5);
    series.observe(1);
    series.observe(7);
    count.inc();
    count.inc(0);
    count.inc(2);
    const text = await own.metrics();
    expect(text).toContain('spec_bound_seconds_bucket{le="0.5"} 2');
    expect(text).toContain('spec_bound_seconds_bucket{le="1"} 3');
    expect(text).toContain('spec_bound_seconds_bucket{le="+Inf"} 4');
    expect(text).toContain('spec_bound_seconds_sum 8.75');
    expect(text).toContain('spec_bound_seconds_count 4');
    expect(text).toContain('spec_plain_total 3');
  });
});
