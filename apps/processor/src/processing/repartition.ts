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
 * The header of a repartition event record that carries its source record (topic, partition,
 * offset, key, Confluent-framed value and headers), so the windowing stage can put a late event on
 * the late topic exactly as it arrived. One header, read only for the events that turn out late:
 * the windowing stage's hot path never parses it.
 */
export const SOURCE_HEADER = 'source_record';

interface SourceWire {
  t: string;
  p: number;
  o: string;
  k: string | null; // base64
  v: string | null; // base64
  h: Record<string, string>;
}

export function sourceHeaders(source: DlqSource): Record<string, string> {
  const wire: SourceWire = {
    t: source.topic,
    p: source.partition,
    o: source.offset,
    k: source.key ? source.key.toString('base64') : null,
    v: source.value ? source.value.toString('base64') : null,
    h: source.headers,
  };
  return { [SOURCE_HEADER]: JSON.stringify(wire) };
}

type RawHeaders = Record<string, Buffer | string | Array<Buffer | string> | undefined>;

/** The source record a repartition record carries; undefined when it carries none (or a broken one). */
export function sourceFromHeaders(headers: RawHeaders | undefined): DlqSource | undefined {
  const raw = headers?.[SOURCE_HEADER];
  const first = Array.isArray(raw) ? raw[0] : raw;
  if (first === undefined) return undefined;
  let wire: SourceWire;
  try {
    wire = JSON.parse(first.toString()) as SourceWire;
  } catch {
    return undefined;
  }
  if (!wire || typeof wire.t !== 'string' || !Number.isInteger(wire.p) || typeof wire.o !== 'string' || typeof wire.v !== 'string' || typeof wire.h !== 'object' || wire.h === null) return undefined;
  const key = typeof wire.k === 'string' ? Buffer.from(wire.k, 'base64') : null;
  return { topic: wire.t, partition: wire.p, offset: wire.o, key, value: Buffer.from(wire.v, 'base64'), headers: wire.h };
}

/** A repartition record's own headers, without the one carrying its source record. */
export function withoutSourceHeaders(headers: Record<string, string>): Record<string, string> {
  const { [SOURCE_HEADER]: _, ...own } = headers;
  return own;
}
