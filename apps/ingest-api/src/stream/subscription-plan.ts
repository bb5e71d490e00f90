/**
 * What a WebSocket subscriber asked for and where each partition starts. Pure.
 *
 * A subscriber starts at the partition ends at connection time, or at the offsets it asks to resume
 * from (`?from=0:123,1:456`). The topic's shared live feed only delivers what arrives after the
 * subscriber joined it, so any part before that (a resume, or records that arrived during the
 * handshake) is read separately first: `catchUp` is [start, joinedAt) per partition, the live feed
 * then supplies offsets >= joinedAt. No gap, no duplicate, partition order kept.
 */
import { PlatformError } from '@platform/contracts';
import type { OffsetRange } from '../kafka/range-reader';

export interface StreamFilters {
  eventType?: string;
  key?: string;
  /** Aggregated topic only: records of these group keys (`group_key=a,b`). */
  groupKeys?: string[];
  /** Aggregated topic only: records of this window name (`window=tumbling_1m`). */
  windowName?: string;
}

/** The most group keys one aggregate subscription may name. */
export const MAX_GROUP_KEYS = 100;

export interface StreamRequest {
  topicSegment: string;
  token?: string;
  filters: StreamFilters;
  resumeFrom: Map<number, bigint>;
}

export const STREAM_PATH = '/api/v1/stream';

function invalid(message: string): PlatformError {
  return new PlatformError(400, 'INVALID_QUERY', message);
}

/** `0:123,1:456` -> {0 => 123n, 1 => 456n}. */
export function parseResume(text: string): Map<number, bigint> {
  const out = new Map<number, bigint>();
  if (text.length > 4096) throw invalid('from is too long');
  for (const part of text.split(',')) {
    const match = /^(\d{1,6}):(\d{1,18})$/.exec(part.trim());
    if (!match) throw invalid('from must look like 0:123,1:456 (partition:offset pairs)');
    const partition = Number(match[1]);
    if (out.has(partition)) throw invalid(`from names partition ${partition} twice`);
    out.set(partition, BigInt(match[2]));
  }
  return out;
}

/** Parses `/api/v1/stream/<topic>?access_token=&event_type=&key=&group_key=&window=&from=`. */
export function parseStreamRequest(url: string): StreamRequest {
  let parsed: URL;
  try {
    parsed = new URL(url, 'http://localhost');
  } catch {
    throw invalid('malformed URL');
  }
  const prefix = `${STREAM_PATH}/`;
  if (!parsed.pathname.startsWith(prefix)) throw new PlatformError(404, 'NOT_FOUND', 'no stream at this path');
  const raw = parsed.pathname.slice(prefix.length);
  if (raw.length === 0 || raw.includes('/')) throw new PlatformError(404, 'NOT_FOUND', 'the stream path is /api/v1/stream/{topic}');
  let topicSegment: string;
  try {
    topicSegment = decodeURIComponent(raw);
  } catch {
    throw invalid('malformed topic in path');
  }
  const query = parsed.searchParams;
  const single = (name: string): string | undefined => {
    const values = query.getAll(name);
    if (values.length > 1) throw invalid(`${name} may be given once`);
    const value = values[0];
    if (value !== undefined && value.length > 1024) throw invalid(`${name} is too long`);
    return value === '' ? undefined : value;
  };
  const from = single('from');
  const groupKeyList = single('group_key');
  const groupKeys = groupKeyList === undefined ? undefined : groupKeyList.split(',');
  if (groupKeys && groupKeys.length > MAX_GROUP_KEYS) throw invalid(`group_key may name at most ${MAX_GROUP_KEYS} keys`);
  const filters: StreamFilters = { eventType: single('event_type'), key: single('key') };
  if (groupKeys) filters.groupKeys = groupKeys;
  const windowName = single('window');
  if (windowName !== undefined) filters.windowName = windowName;
  return {
    topicSegment,
    token: single('access_token'),
    filters,
    resumeFrom: from === undefined ? new Map() : parseResume(from),
  };
}

export interface PartitionEnds {
  partition: number;
  low: bigint;
  high: bigint;
}

/** Start offset per partition: the resume offset (kept within what the log still holds) or the end. */
export function startPositions(ends: PartitionEnds[], resumeFrom: Map<number, bigint>): Map<number, bigint> {
  const known = new Set(ends.map((e) => e.partition));
  for (const partition of resumeFrom.keys()) {
    if (!known.has(partition)) throw invalid(`the topic has no partition ${partition}`);
  }
  const out = new Map<number, bigint>();
  for (const { partition, low, high } of ends) {
    const asked = resumeFrom.get(partition);
    if (asked === undefined) out.set(partition, high);
    else out.set(partition, asked < low ? low : asked);
  }
  return out;
}

export interface ResumePlan {
  catchUp: OffsetRange[];
  /** The live feed's records are delivered from these offsets on. */
  liveFrom: Map<number, bigint>;
  catchUpRecords: bigint;
}

/** `joinedAt`: the feed's next offset per partition at the moment the subscriber joined it. */
export function planResume(start: Map<number, bigint>, joinedAt: Map<number, bigint>): ResumePlan {
  const catchUp: OffsetRange[] = [];
  const liveFrom = new Map<number, bigint>();
  let catchUpRecords = 0n;
  for (const [partition, from] of start) {
    const joined = joinedAt.get(partition);
    if (joined === undefined || from >= joined) {
      liveFrom.set(partition, from);
      continue;
    }
    catchUp.push({ partition, from, to: joined });
    catchUpRecords += joined - from;
    liveFrom.set(partition, joined);
  }
  return { catchUp, liveFrom, catchUpRecords };
}
