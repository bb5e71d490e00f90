/**
 * Records on the processor's repartition topic, between the validating stage and the windowing
 * stage: validated, enriched events keyed by `<type>|<group key>` (so one task sees all events of a
 * group), watermark markers telling every task how far each source partition has got, and refusals:
 * the DLQ record of an event that failed validation, keyed by its event id, so that the windowing
 * stage's event-id dedupe lets one copy of a resent event reach the DLQ.
 */
import * as avro from 'avsc';
import type { DlqSource } from '@platform/contracts';
import type { PartitionTime, WindowEvent } from '@platform/windowing';

export const MARKER_KEY = '__wm';

/**
 * Wire format, version 1: one version byte, one kind byte (1 event, 2 marker, 3 refusal), then the kind's
 * Avro record. An event carries its source record (topic, partition, offset, key, Confluent-framed
 * value, headers) as Avro bytes, so a late event leaves stage B exactly as it came. Version 0 is
 * the JSON written before (first byte `{`, source record in the `source_record` header): still
 * read, so records written by an older stage A during an upgrade are processed.
 */
export const REPARTITION_VERSION = 1;
const KIND_EVENT = 1;
const KIND_MARKER = 2;
const KIND_REFUSAL = 3;

const SOURCE_SCHEMA = {
  type: 'record',
  name: 'SourceRecord',
  fields: [
    { name: 'topic', type: 'string' },
    { name: 'partition', type: 'int' },
    { name: 'offset', type: 'string' },
    { name: 'key', type: ['null', 'bytes'] },
    { name: 'value', type: ['null', 'bytes'] },
    { name: 'headers', type: { type: 'map', values: 'string' } },
  ],
} as const;

/** One kind's Avro record type, in the wire format's namespace. */
function wireType(name: string, fields: unknown[]): avro.Type {
  return avro.Type.forSchema({ type: 'record', name, namespace: 'platform.processor.v1', fields } as avro.Schema);
}

const optionalString = ['null', 'string'];
const EVENT_TYPE = wireType('RepartitionEvent', [
  { name: 'eventId', type: 'string' },
  { name: 'eventType', type: 'string' },
  { name: 'timestamp', type: 'double' },
  { name: 'userId', type: optionalString },
  { name: 'deviceId', type: optionalString },
  { name: 'groupKey', type: optionalString },
  { name: 'partition', type: optionalString },
  // Only the value field and enriched fields (see RepartitionMapper): small, free-form.
  { name: 'payload', type: optionalString },
  { name: 'source', type: ['null', SOURCE_SCHEMA] },
]);

const MARKER_TYPE = wireType('RepartitionMarker', [
  { name: 'partition', type: 'string' },
  { name: 'eventTime', type: 'double' },
]);

const REFUSAL_TYPE = wireType('RepartitionRefusal', [
  { name: 'eventId', type: 'string' },
  { name: 'eventTime', type: 'double' },
  { name: 'dlqKey', type: ['null', 'bytes'] },
  // The DLQ record as stage A encoded it: it leaves stage B unchanged.
  { name: 'dlqRecord', type: 'bytes' },
]);

/** An event stage A refused, with the DLQ message that reports it (see dlqMessage). */
export interface Refusal {
  eventId: string;
  /** Its timestamp as read (NaN when it is not a number): how long its id is remembered. */
  eventTime: number;
  dlqKey: Buffer | null;
  dlqRecord: Buffer;
}

interface EventWire {
  eventId: string;
  eventType: string;
  timestamp: number;
  userId: string | null;
  deviceId: string | null;
  groupKey: string | null;
  partition: string | null;
  payload: string | null;
  /** The source record travels as it is carried in a DLQ record. */
  source: DlqSource | null;
}

/** A decoded repartition record: an event (with the source record it came from, if carried), a marker or a refusal. */
export type RepartitionInput =
  | { kind: 'event'; event: WindowEvent; source?: DlqSource }
  | { kind: 'marker'; time: PartitionTime }
  | { kind: 'refusal'; refusal: Refusal };

type LegacyWire = { k: 'e'; e: WindowEvent } | { k: 'm'; p: string; t: number };

export function repartitionKey(eventType: string, groupKey: string): string {
  return `${eventType}|${groupKey}`;
}

function framed(kind: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(body.length + 2);
  out[0] = REPARTITION_VERSION;
  out[1] = kind;
  body.copy(out, 2);
  return out;
}

/** An event record; `source` is the record it was read from (see SourceRecord above). */
export function encodeEvent(event: WindowEvent, source?: DlqSource): Buffer {
  const wire: EventWire = {
    eventId: event.eventId,
    eventType: event.eventType,
    timestamp: event.timestamp,
    userId: event.userId ?? null,
    deviceId: event.deviceId ?? null,
    groupKey: event.groupKey ?? null,
    partition: event.partition ?? null,
    payload: event.payload === undefined || event.payload === null ? null : JSON.stringify(event.payload),
    source: source
      ? {
          topic: source.topic,
          partition: source.partition,
          offset: source.offset,
          key: source.key,
          value: source.value,
          headers: source.headers,
        }
      : null,
  };
  return framed(KIND_EVENT, EVENT_TYPE.toBuffer(wire));
}

export function encodeMarker(time: PartitionTime): Buffer {
  return framed(KIND_MARKER, MARKER_TYPE.toBuffer({ partition: time.partition, eventTime: time.eventTime }));
}

export function encodeRefusal(refusal: Refusal): Buffer {
  return framed(
    KIND_REFUSAL,
    REFUSAL_TYPE.toBuffer({ eventId: refusal.eventId, eventTime: refusal.eventTime, dlqKey: refusal.dlqKey, dlqRecord: refusal.dlqRecord }),
  );
}

/** The key of a refusal: its event id, so every copy of the event meets the same window task. */
export function refusalKey(eventId: string): string {
  return `refused|${eventId}`;
}

/**
 * What a repartition record stands for. Throws, naming the cause, on bytes of an unknown version or
 * kind or that do not decode: the caller sends such a record to the DLQ.
 */
export function decodeRepartition(bytes: Buffer, headers?: RawHeaders): RepartitionInput {
  if (bytes.length === 0) throw new Error('empty repartition record');
  if (bytes[0] === 0x7b) return decodeLegacy(bytes, headers);
  if (bytes[0] !== REPARTITION_VERSION)
    throw new Error(`repartition record version ${bytes[0]} is not supported (this processor reads versions 0 and ${REPARTITION_VERSION})`);
  const body = bytes.subarray(2);
  if (bytes[1] === KIND_MARKER) {
    const m = MARKER_TYPE.fromBuffer(body) as { partition: string; eventTime: number };
    return { kind: 'marker', time: { partition: m.partition, eventTime: m.eventTime } };
  }
  if (bytes[1] === KIND_REFUSAL) {
    const r = REFUSAL_TYPE.fromBuffer(body) as Refusal;
    return { kind: 'refusal', refusal: { eventId: r.eventId, eventTime: r.eventTime, dlqKey: r.dlqKey, dlqRecord: r.dlqRecord } };
  }
  if (bytes[1] !== KIND_EVENT) throw new Error(`repartition record kind ${bytes[1]} is unknown`);
  const w = EVENT_TYPE.fromBuffer(body) as EventWire;
  const event: WindowEvent = { eventId: w.eventId, eventType: w.eventType, timestamp: w.timestamp, userId: w.userId, deviceId: w.deviceId };
  if (w.groupKey !== null) event.groupKey = w.groupKey;
  if (w.partition !== null) event.partition = w.partition;
  if (w.payload !== null) event.payload = JSON.parse(w.payload) as Record<string, unknown>;
  const s = w.source;
  return {
    kind: 'event',
    event,
    source: s
      ? { topic: s.topic, partition: s.partition, offset: s.offset, key: s.key, value: s.value, headers: { ...s.headers } }
      : undefined,
  };
}

function decodeLegacy(bytes: Buffer, headers: RawHeaders | undefined): RepartitionInput {
  const wire = JSON.parse(bytes.toString('utf8')) as LegacyWire;
  if (wire && wire.k === 'e' && wire.e && typeof wire.e.eventId === 'string')
    return { kind: 'event', event: wire.e, source: sourceFromHeaders(headers) };
  if (wire && wire.k === 'm' && typeof wire.p === 'string' && typeof wire.t === 'number')
    return { kind: 'marker', time: { partition: wire.p, eventTime: wire.t } };
  throw new Error('not a repartition record');
}

/** `<topic>-<partition>`: how a source partition is named in engine state and markers. */
export function sourceName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/**
 * Version 0 only: the header of a repartition event record that carried its source record (topic, partition,
 * offset, key, Confluent-framed value and headers), so the windowing stage can put a late event on
 * the late topic exactly as it arrived. One header, read only for the events that turn out late:
 * the windowing stage's hot path never parses it.
 */
export const SOURCE_HEADER = 'source_record';

interface LegacySourceWire {
  t: string;
  p: number;
  o: string;
  k: string | null; // base64
  v: string | null; // base64
  h: Record<string, string>;
}

export function sourceHeaders(source: DlqSource): Record<string, string> {
  const wire: LegacySourceWire = {
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
  let wire: LegacySourceWire;
  try {
    wire = JSON.parse(first.toString()) as LegacySourceWire;
  } catch {
    return undefined;
  }
  if (
    !wire ||
    typeof wire.t !== 'string' ||
    !Number.isInteger(wire.p) ||
    typeof wire.o !== 'string' ||
    typeof wire.v !== 'string' ||
    typeof wire.h !== 'object' ||
    wire.h === null
  )
    return undefined;
  const key = typeof wire.k === 'string' ? Buffer.from(wire.k, 'base64') : null;
  return { topic: wire.t, partition: wire.p, offset: wire.o, key, value: Buffer.from(wire.v, 'base64'), headers: wire.h };
}

/** A repartition record's own headers, without the one carrying its source record. */
export function withoutSourceHeaders(headers: Record<string, string>): Record<string, string> {
  const { [SOURCE_HEADER]: _, ...own } = headers;
  return own;
}
