/**
 * Where things live in the lake. Data objects are Hive-partitioned by event time (UTC):
 *   <prefix>/<topic>/dt=YYYY-MM-DD/hr=HH/<topic>-p<partition>-<firstOffset>-<lastOffset>.parquet
 * where first/last are the Kafka offsets of the flushed batch, so the same batch always lands on the
 * same names and a retried or replayed write replaces its own objects. The write-ahead manifest of a
 * partition lives at <prefix>/_manifests/<consumerGroup>/<topic>/p<partition>.json. Pure: no I/O.
 */

export interface HourBucket {
  dt: string;
  hr: string;
}

export function hourBucket(eventTimeMs: number): HourBucket {
  const d = new Date(eventTimeMs);
  if (Number.isNaN(d.getTime())) throw new Error(`invalid event time ${eventTimeMs}`);
  const iso = d.toISOString();
  return { dt: iso.slice(0, 10), hr: iso.slice(11, 13) };
}

export function joinKey(...parts: string[]): string {
  return parts
    .filter((p) => p !== '')
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter((p) => p !== '')
    .join('/');
}

/** Topic names may contain dots (kept) but never slashes; anything else unusual becomes '_'. */
export function safeSegment(name: string): string {
  return name.replace(/[^A-Za-z0-9._=-]/g, '_');
}

export interface ObjectNameParts {
  prefix: string;
  topic: string;
  partition: number;
  firstOffset: number;
  lastOffset: number;
  bucket: HourBucket;
}

export function objectFileName(topic: string, partition: number, firstOffset: number, lastOffset: number): string {
  return `${safeSegment(topic)}-p${partition}-${firstOffset}-${lastOffset}.parquet`;
}

export function objectKey(parts: ObjectNameParts): string {
  return joinKey(
    parts.prefix,
    safeSegment(parts.topic),
    `dt=${parts.bucket.dt}`,
    `hr=${parts.bucket.hr}`,
    objectFileName(parts.topic, parts.partition, parts.firstOffset, parts.lastOffset),
  );
}

export function manifestKey(prefix: string, consumerGroup: string, topic: string, partition: number): string {
  return joinKey(prefix, '_manifests', safeSegment(consumerGroup), safeSegment(topic), `p${partition}.json`);
}

const OBJECT_NAME = /^(.+)-p(\d+)-(\d+)-(\d+)\.parquet$/;

/** The parts of a data object's key, or null for anything that is not one. */
export function parseObjectKey(key: string): { topicDir: string; dt: string; hr: string; topic: string; partition: number; firstOffset: number; lastOffset: number } | null {
  const segments = key.split('/');
  if (segments.length < 4) return null;
  const [topicDir, dtPart, hrPart, file] = segments.slice(-4);
  const dt = /^dt=(\d{4}-\d{2}-\d{2})$/.exec(dtPart)?.[1];
  const hr = /^hr=(\d{2})$/.exec(hrPart)?.[1];
  const m = OBJECT_NAME.exec(file);
  if (!dt || !hr || !m) return null;
  return { topicDir, dt, hr, topic: m[1], partition: Number(m[2]), firstOffset: Number(m[3]), lastOffset: Number(m[4]) };
}

/** Groups items by the hour bucket of their event time, keeping their order within a bucket. */
export function groupByHour<T>(items: readonly T[], eventTime: (item: T) => number): Map<string, { bucket: HourBucket; items: T[] }> {
  const groups = new Map<string, { bucket: HourBucket; items: T[] }>();
  for (const item of items) {
    const bucket = hourBucket(eventTime(item));
    const id = `${bucket.dt}/${bucket.hr}`;
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { bucket, items: [] }));
    group.items.push(item);
  }
  return groups;
}
