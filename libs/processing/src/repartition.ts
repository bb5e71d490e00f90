/**
 * Records on the processor's repartition topic, between the validating stage and the windowing
 * stage: validated, enriched events keyed by `<type>|<group key>` (so one task sees all events of a
 * group), and watermark markers telling every task how far each source partition has got.
 */
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
