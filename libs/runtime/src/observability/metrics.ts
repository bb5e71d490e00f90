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
