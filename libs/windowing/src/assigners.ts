/**
 * Window assignment: which [start, end) windows contain an event time. Pure arithmetic, no state.
 * Session windows start as the event's own proposal [t, t + gap) and are merged by the engine.
 */
import type { WindowDefinition, WindowKind } from './types';

/** A validated window definition with every number the engine needs resolved. */
export interface ResolvedWindow {
  index: number;
  name: string;
  kind: WindowKind;
  /** Length for tumbling/sliding; the gap for sessions. */
  sizeMs: number;
  /** Hop; equal to size for tumbling; unused for sessions. */
  advanceMs: number;
  offsetMs: number;
  allowedLatenessMs: number;
}

/** Floor modulo, so negative (pre-1970) times align the same way as positive ones. */
function mod(a: number, b: number): number {
  const r = a % b;
  return r < 0 ? r + b : r;
}

/** Start of the tumbling window of `size` that contains t. */
export function tumblingStart(t: number, sizeMs: number, offsetMs = 0): number {
  return t - mod(t - offsetMs, sizeMs);
}

/**
 * Calls `visit` with the start of every sliding window (size, advance) that contains t, latest
 * start first. A callback rather than an array so the hot path allocates nothing.
 */
export function forEachSlidingStart(t: number, sizeMs: number, advanceMs: number, offsetMs: number, visit: (start: number) => void): void {
  for (let start = t - mod(t - offsetMs, advanceMs); start > t - sizeMs; start -= advanceMs) visit(start);
}

/** The sliding windows containing t, as [start, end) pairs (convenience for callers and tests). */
export function slidingWindows(t: number, sizeMs: number, advanceMs: number, offsetMs = 0): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  forEachSlidingStart(t, sizeMs, advanceMs, offsetMs, (s) => out.push([s, s + sizeMs]));
  return out;
}

/** The session window an event proposes before merging: [t, t + gap). */
export function sessionProposal(t: number, gapMs: number): [number, number] {
  return [t, t + gapMs];
}

/**
 * Whether a session [start, end) absorbs an event at t. Strict overlap: an event exactly `gap`
 * after the last one starts a new session, which keeps a fired session (watermark >= end) from
 * ever being reopened by an on-time event.
 */
export function sessionAbsorbs(start: number, end: number, t: number, gapMs: number): boolean {
  return start < t + gapMs && t < end;
}

const positive = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n > 0;

/** Validates definitions and resolves defaults; throws with every problem at once. */
export function resolveWindows(defs: readonly WindowDefinition[], allowedLatenessMs: number): ResolvedWindow[] {
  const problems: string[] = [];
  const names = new Set<string>();
  const out: ResolvedWindow[] = [];
  defs.forEach((d, index) => {
    const at = `windows[${index}] (${d.name})`;
    if (typeof d.name !== 'string' || d.name.length === 0) problems.push(`${at}: name is required`);
    else if (names.has(d.name)) problems.push(`${at}: duplicate name`);
    names.add(d.name);
    const lateness = d.allowedLatenessMs ?? allowedLatenessMs;
    if (!(Number.isFinite(lateness) && lateness >= 0)) problems.push(`${at}: allowed lateness must be >= 0`);
    const offsetMs = d.offsetMs ?? 0;
    let sizeMs = 0;
    let advanceMs = 0;
    if (d.kind === 'tumbling') {
      if (!positive(d.sizeMs)) problems.push(`${at}: sizeMs must be > 0`);
      sizeMs = advanceMs = d.sizeMs ?? 0;
    } else if (d.kind === 'sliding') {
      if (!positive(d.sizeMs)) problems.push(`${at}: sizeMs must be > 0`);
      if (!positive(d.advanceMs) || (d.sizeMs ?? 0) < d.advanceMs) problems.push(`${at}: advanceMs must be > 0 and <= sizeMs`);
      sizeMs = d.sizeMs ?? 0;
      advanceMs = d.advanceMs ?? 0;
    } else if (d.kind === 'session') {
      if (!positive(d.gapMs)) problems.push(`${at}: gapMs must be > 0`);
      sizeMs = d.gapMs ?? 0;
    } else {
      problems.push(`${at}: kind must be tumbling, sliding or session`);
    }
    out.push({ index, name: d.name, kind: d.kind, sizeMs, advanceMs, offsetMs, allowedLatenessMs: lateness });
  });
  if (problems.length > 0) throw new Error(`invalid window definitions: ${problems.join('; ')}`);
  return out;
}
