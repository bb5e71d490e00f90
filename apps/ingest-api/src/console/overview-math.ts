/**
 * The overview's arithmetic, free of Kafka and HTTP: consumer lag from end and committed offsets,
 * per-second rates between two samples, a bounded sample history, and reading one gauge out of a
 * Prometheus text exposition.
 */

export interface PartitionEnd {
  partition: number;
  low: bigint;
  high: bigint;
}

/** A committed offset of a group; -1 (or '') means the group has not committed on that partition. */
export interface PartitionCommit {
  partition: number;
  offset: string;
}

/**
 * Records the group still has to read: end minus committed per partition. A partition without a
 * commit counts from its first readable offset (what a new group reading from the start faces).
 */
export function groupLag(ends: PartitionEnd[], commits: PartitionCommit[]): bigint {
  const committed = new Map(commits.map((c) => [c.partition, c.offset]));
  let lag = 0n;
  for (const end of ends) {
    const text = committed.get(end.partition);
    const offset = text === undefined || text === '' || text.startsWith('-') ? end.low : BigInt(text);
    const from = offset < end.low ? end.low : offset;
    if (end.high > from) lag += end.high - from;
  }
  return lag;
}

/** True when the group has a commit on at least one partition (it consumes the topic). */
export function hasCommits(commits: PartitionCommit[]): boolean {
  return commits.some((c) => c.offset !== '' && !c.offset.startsWith('-'));
}

/** Per-second rate between two counter readings; null when unknown or when the counter went back (a reset). */
export function ratePerSecond(before: number | undefined, after: number | undefined, elapsedMs: number): number | null {
  if (before === undefined || after === undefined || elapsedMs <= 0 || after < before) return null;
  return Math.round(((after - before) * 1000 * 100) / elapsedMs) / 100;
}

/** Keeps the newest samples within `spanMs` of the newest one. */
export class SampleHistory<T extends { t: number }> {
  private readonly samples: T[] = [];

  constructor(private readonly spanMs: number) {}

  add(sample: T): void {
    this.samples.push(sample);
    const oldest = sample.t - this.spanMs;
    let drop = 0;
    while (drop < this.samples.length && this.samples[drop].t < oldest) drop++;
    if (drop > 0) this.samples.splice(0, drop);
  }

  all(): readonly T[] {
    return this.samples;
  }

  get latest(): T | undefined {
    return this.samples[this.samples.length - 1];
  }
}

/**
 * Series of per-second rates from consecutive samples of counters: for each key, one value per
 * sample after the first (null where either reading is missing).
 */
export function rateSeries<T extends { t: number }>(samples: readonly T[], read: (sample: T) => number | undefined): (number | null)[] {
  const out: (number | null)[] = [];
  for (let i = 1; i < samples.length; i++) out.push(ratePerSecond(read(samples[i - 1]), read(samples[i]), samples[i].t - samples[i - 1].t));
  return out;
}

/**
 * The largest value of a gauge in a Prometheus text exposition (any labels), or undefined when the
 * metric has no sample. Only plain numeric samples are read; NaN and infinities are ignored.
 */
export function maxGauge(exposition: string, metric: string): number | undefined {
  let max: number | undefined;
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(metric)) continue;
    const rest = line.slice(metric.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    const valueText = rest[0] === '{' ? rest.slice(rest.lastIndexOf('}') + 1).trim().split(/\s+/)[0] : rest.trim().split(/\s+/)[0];
    const value = Number(valueText);
    if (valueText === '' || !Number.isFinite(value)) continue;
    max = max === undefined ? value : Math.max(max, value);
  }
  return max;
}
