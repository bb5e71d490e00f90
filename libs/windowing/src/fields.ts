/**
 * Reading the configured value field and group key out of an event. Paths are split once, at
 * construction, so the per-event cost is a few property reads.
 */
import type { EventTypeWindowing, WindowEvent } from './types';

type FieldRef = { kind: 'userId' | 'deviceId' | 'eventType' } | { kind: 'payload'; path: string[] };

export interface FieldReader {
  /** The raw value at the configured value field (undefined when absent or unconfigured). */
  value(event: WindowEvent): unknown;
  /** The group key: '' without grouping; configured fields' values joined with '|'. */
  groupKey(event: WindowEvent): string;
}

function parseRef(field: string): FieldRef {
  switch (field) {
    case 'user_id':
    case 'userId':
      return { kind: 'userId' };
    case 'device_id':
    case 'deviceId':
      return { kind: 'deviceId' };
    case 'event_type':
    case 'eventType':
      return { kind: 'eventType' };
    default:
      return { kind: 'payload', path: (field.startsWith('payload.') ? field.slice(8) : field).split('.') };
  }
}

export function readPath(root: unknown, path: readonly string[]): unknown {
  let at = root;
  for (const part of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

function readRef(event: WindowEvent, ref: FieldRef): unknown {
  switch (ref.kind) {
    case 'userId':
      return event.userId;
    case 'deviceId':
      return event.deviceId;
    case 'eventType':
      return event.eventType;
    default:
      return readPath(event.payload, ref.path);
  }
}

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

export function compileFieldReader(settings: Omit<EventTypeWindowing, 'name'> | undefined): FieldReader {
  const valuePath = settings?.valueField ? parseRef(settings.valueField) : undefined;
  const groupBy = settings?.groupBy === undefined ? [] : typeof settings.groupBy === 'string' ? [settings.groupBy] : [...settings.groupBy];
  const refs = groupBy.filter((g) => g.length > 0).map(parseRef);
  return {
    value: valuePath ? (e) => readRef(e, valuePath) : () => undefined,
    groupKey:
      refs.length === 0
        ? () => ''
        : refs.length === 1
          ? (e) => text(readRef(e, refs[0]))
          : (e) => refs.map((r) => text(readRef(e, r))).join('|'),
  };
}
