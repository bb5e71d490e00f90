/** Request and trace ids: accepted from headers when well-formed, generated otherwise. Pure. */
import { randomBytes } from 'crypto';

const SAFE_ID = /^[A-Za-z0-9._:@-]{1,128}$/;
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

const prefix = randomBytes(4).toString('hex');
let sequence = 0;

/** A cheap, process-unique request id (no crypto per request). */
export function newRequestId(): string {
  sequence = (sequence + 1) % Number.MAX_SAFE_INTEGER;
  return `req-${prefix}-${sequence.toString(36)}`;
}

export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && SAFE_ID.test(header) ? header : newRequestId();
}

/** The trace id of a W3C `traceparent` header, else a safe `x-trace-id`, else undefined. */
export function traceIdFromHeaders(headers: Record<string, string | string[] | undefined>): string | undefined {
  const traceparent = headers['traceparent'];
  if (typeof traceparent === 'string') {
    const match = TRACEPARENT.exec(traceparent.trim());
    if (match && !/^0+$/.test(match[1])) return match[1];
  }
  const explicit = headers['x-trace-id'];
  if (typeof explicit === 'string' && SAFE_ID.test(explicit)) return explicit;
  return undefined;
}

const TRACE_ID_BYTES = 16;
const TRACE_POOL_BYTES = 4096;
const ZERO_TRACE_ID = '0'.repeat(2 * TRACE_ID_BYTES);
let tracePool = Buffer.alloc(0);
let traceOffset = 0;

/**
 * A new W3C trace id: 16 random bytes as 32 hex chars, cut from a pool of random bytes refilled every
 * 256 ids (a UUID with its dashes removed cost a few times more per event, and carried 6 fixed bits).
 */
export function newTraceId(): string {
  if (traceOffset + TRACE_ID_BYTES > tracePool.length) {
    tracePool = randomBytes(TRACE_POOL_BYTES);
    traceOffset = 0;
  }
  const id = tracePool.toString('hex', traceOffset, (traceOffset += TRACE_ID_BYTES));
  // All zeros is not a valid trace id (2^-128: the next 16 bytes are taken instead).
  return id === ZERO_TRACE_ID ? newTraceId() : id;
}
