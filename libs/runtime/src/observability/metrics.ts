/**
 * The one metrics registry per process. Every app registers its instruments here and serves it on
 * GET /metrics; default Node.js process metrics are included, and `build_info` (the version, commit
 * and Node.js version of the running build as labels, value 1).
 */
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { buildInfo } from './build-info';

export const registry = new Registry();
let defaultsCollected = false;
let defaultLabels: Record<string, string> = {};

export function initMetrics(app: string): Registry {
  defaultLabels = { app };
  registry.setDefaultLabels(defaultLabels);
  if (!defaultsCollected) {
    collectDefaultMetrics({ register: registry });
    defaultsCollected = true;
  }
  const build = buildInfo();
  gauge('build_info', 'The running build: version, commit and Node.js version as labels; always 1', [
    'version',
    'commit',
    'node_version',
  ]).set({ version: build.version, commit: build.commit, node_version: build.node_version }, 1);
  return registry;
}

function existing<T>(name: string): T | undefined {
  return registry.getSingleMetric(name) as unknown as T | undefined;
}

export function counter(name: string, help: string, labelNames: string[] = []): Counter<string> {
  return existing<Counter<string>>(name) ?? new Counter({ name, help, labelNames, registers: [registry] });
}

export function gauge(name: string, help: string, labelNames: string[] = []): Gauge<string> {
  return existing<Gauge<string>>(name) ?? new Gauge({ name, help, labelNames, registers: [registry] });
}

export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function histogram(name: string, help: string, labelNames: string[] = [], buckets = LATENCY_BUCKETS): Histogram<string> {
  return existing<Histogram<string>>(name) ?? new Histogram({ name, help, labelNames, buckets, registers: [registry] });
}

/** A registry's metrics as plain data, as another thread of the process hands them over. */
export type MetricsSnapshot = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** Where the metrics of the process's other threads come from (each keeps its own registry). */
const threadMetrics = new Set<() => Promise<MetricsSnapshot>>();

/** Serves a worker thread's metrics with this registry's; returns the function that stops it. */
export function addThreadMetrics(source: () => Promise<MetricsSnapshot>): () => void {
  threadMetrics.add(source);
  return () => threadMetrics.delete(source);
}

/** For a worker thread: label its registry as the process's (initMetrics ran on the main thread). */
export function threadMetricsLabels(): Record<string, string> {
  return { ...defaultLabels };
}

/**
 * The process's metrics in the exposition format: this registry's, plus every thread's (series with
 * the same name and labels are summed; the threads' series are disjoint apart from shared counters).
 */
export async function processMetrics(): Promise<string> {
  if (threadMetrics.size === 0) return registry.metrics();
  const snapshots = await Promise.all([registry.getMetricsAsJSON(), ...[...threadMetrics].map((source) => source())]);
  return AggregatorRegistry.aggregate(snapshots).metrics();
}

/** One counter series (fixed label values): `inc` as the prom-client child's. */
export interface CounterSeries {
  inc(value?: number): void;
}

/** One histogram series (fixed label values): `observe` as the prom-client child's. */
export interface HistogramSeries {
  observe(value: number): void;
}

/** What prom-client keeps per series, in `hashMap` (a counter's `value`; a histogram's sum, count and buckets). */
interface StoredSeries {
  labels: Record<string, string | number>;
  value: number;
  sum: number;
  count: number;
  bucketValues: Record<string, number>;
}

/**
 * Finds the stored series of a metric with these label values after prom-client wrote it (the
 * series object is stable until the metric is reset or the labels removed, which `current` checks).
 */
function storedSeries(metric: Counter<string> | Histogram<string>, names: readonly string[], values: readonly string[]) {
  const store = metric as unknown as { hashMap: Record<string, StoredSeries> };
  let map: Record<string, StoredSeries> | undefined;
  let key = '';
  let series: StoredSeries | undefined;
  return {
    /** The series while it is still the one prom-client exports, else undefined. */
    current(): StoredSeries | undefined {
      return store.hashMap === map && map[key] === series ? series : undefined;
    },
    locate(): void {
      map = store.hashMap;
      series = undefined;
      for (const [hash, candidate] of Object.entries(map)) {
        if (names.every((name, i) => String(candidate.labels[name]) === values[i])) {
          key = hash;
          series = candidate;
          return;
        }
      }
    },
  };
}

/**
 * A counter series that counts without prom-client's per-call work (a child's `inc` validates the
 * labels and builds their hash string on every call: about a microsecond and a half): the first
 * call goes through prom-client, which creates the series, and later ones add to that series
 * directly, as prom-client's own `inc` does. Reset or removed, the series is found again the same way.
 */
export function counterSeries(metric: Counter<string>, values: readonly string[] = []): CounterSeries {
  const child = metric.labels(...values);
  const stored = storedSeries(metric, (metric as unknown as { labelNames: string[] }).labelNames, values);
  return {
    inc(value = 1) {
      const series = stored.current();
      if (series && Number.isFinite(value) && value >= 0) {
        series.value += value;
        return;
      }
      child.inc(value);
      stored.locate();
    },
  };
}

/**
 * A histogram series that observes without prom-client's per-call work (label validation, a labels
 * object and a hash string per call: about two microseconds): as `counterSeries`, prom-client
 * creates the series and later observations update its sum, count and bucket directly, as
 * prom-client's own `observe` does.
 */
export function histogramSeries(metric: Histogram<string>, values: readonly string[] = []): HistogramSeries {
  const child = metric.labels(...values);
  const internals = metric as unknown as { labelNames: string[]; upperBounds: number[] };
  const bounds = internals.upperBounds;
  // The buckets' property names, made once rather than converting the bound to a string per call.
  const bucketKeys = bounds.map(String);
  const stored = storedSeries(metric, internals.labelNames, values);
  return {
    observe(value) {
      const series = stored.current();
      if (series && Number.isFinite(value)) {
        for (let i = 0; i < bounds.length; i++) {
          if (value <= bounds[i]) {
            series.bucketValues[bucketKeys[i]] += 1;
            break;
          }
        }
        series.sum += value;
        series.count += 1;
        return;
      }
      child.observe(value);
      stored.locate();
    },
  };
}
