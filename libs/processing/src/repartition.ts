/**
 * Records on the processor's repartition topic, between the validating stage and the windowing
 * stage: validated, enriched events keyed by `<type>|<group key>` (so one task sees all events of a
 * group), and watermark markers telling every task how far each source partition has got.
 */
import type { DlqSource } from '@platform/contracts';
import type { PartitionTime, WindowEvent } from '@platform/windowing';

export const MARKER_KEY = '__wm';

type Wire = { k: 'e'; e: WindowEvent } | { k: 'm'; p: string; t: number };

export function repartitionKey(eventType: string, groupKey: string): string {
  return `${eventType}|${groupKey}`;
}

export function encodeEvent(event: WindowEvent): Buffer {
  return Buffer.from(JSON.stringify({ k: 'e', e: event } satisfies Wire));
}

export function encodeMarker(time: PartitionTime): Buffer {
  return Buffer.from(JSON.stringify({ k: 'm', p: time.partition, t: time.eventTime } satisfies Wire));
}

/** The engine input a repartition record stands for; throws on bytes that are neither. */
export function decodeRepartition(bytes: Buffer): WindowEvent | PartitionTime {
  const wire = JSON.parse(bytes.toString('utf8')) as Wire;
  if (wire && wire.k === 'e' && wire.e && typeof wire.e.eventId === 'string') return wire.e;
  if (wire && wire.k === 'm' && typeof wire.p === 'string' && typeof wire.t === 'number') return { partition: wire.p, eventTime: wire.t };
  throw new Error('not a repartition record');
}

/** `<topic>-<partition>`: how a source partition is named in engine state and markers. */
export function sourceName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/**
 * Headers of a repartition event record that carry its source record (topic, partition, offset,
 * key, Confluent-framed value and headers), so the windowing stage can put a late event on the
 * late topic exactly as it arrived. Raw bytes in headers: nothing to encode or parse on the way.
 */
export const SOURCE_HEADERS = {
  topic: 'source_topic',
  partition: 'source_partition',
  offset: 'source_offset',
  key: 'original_key',
  value: 'original_value',
  headers: 'original_headers',
} as const;
const CARRIERS: ReadonlySet<string> = new Set(Object.values(SOURCE_HEADERS));

export function sourceHeaders(source: DlqSource): Record<string, Buffer | string> {
  const out: Record<string, Buffer | string> = {
    [SOURCE_HEADERS.topic]: source.topic,
    [SOURCE_HEADERS.partition]: String(source.partition),
    [SOURCE_HEADERS.offset]: source.offset,
  };
  if (source.value) out[SOURCE_HEADERS.value] = source.value;
  if (source.key) out[SOURCE_HEADERS.key] = source.key;
  if (Object.keys(source.headers).length > 0) out[SOURCE_HEADERS.headers] = JSON.stringify(source.headers);
  return out;
}

type RawHeaders = Record<string, Buffer | string | Array<Buffer | string> | undefined>;

function header(headers: RawHeaders, name: string): Buffer | undefined {
  const raw = headers[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  return first === undefined ? undefined : Buffer.isBuffer(first) ? first : Buffer.from(first);
}

/** The source record a repartition record carries; undefined when it carries none (or a broken one). */
export function sourceFromHeaders(headers: RawHeaders | undefined): DlqSource | undefined {
  if (!headers) return undefined;
  const topic = header(headers, SOURCE_HEADERS.topic)?.toString('utf8');
  const partition = Number(header(headers, SOURCE_HEADERS.partition)?.toString('utf8'));
  const offset = header(headers, SOURCE_HEADERS.offset)?.toString('utf8');
  const value = header(headers, SOURCE_HEADERS.value);
  if (!topic || !offset || !value || !Number.isInteger(partition)) return undefined;
  const carried = header(headers, SOURCE_HEADERS.headers);
  let original: Record<string, string> = {};
  if (carried) {
    try {
      original = JSON.parse(carried.toString('utf8')) as Record<string, string>;
    } catch {
      return undefined;
    }
  }
  return { topic, partition, offset, key: header(headers, SOURCE_HEADERS.key) ?? null, value, headers: original };
}

/** A repartition record's own headers, without those carrying its source record. */
export function withoutSourceHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (!CARRIERS.has(name)) out[name] = value;
  return out;
}
