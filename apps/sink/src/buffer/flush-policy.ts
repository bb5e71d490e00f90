/**
 * When a sink task flushes (seed 003 property 17): as soon as its buffer holds maxRecords records,
 * or maxBytes bytes, or its oldest record has waited maxAgeMs — whichever comes first. Pure: the
 * caller passes the clock.
 */
export interface FlushPolicy {
  maxRecords: number;
  maxBytes: number;
  maxAgeMs: number;
}

export interface BufferStats {
  records: number;
  bytes: number;
  /** When the oldest buffered record arrived (ms), or null when empty. */
  oldestAt: number | null;
}

export type FlushReason = 'records' | 'bytes' | 'time';

export function flushReason(stats: BufferStats, now: number, policy: FlushPolicy): FlushReason | null {
  if (stats.records === 0) return null;
  if (stats.records >= policy.maxRecords) return 'records';
  if (stats.bytes >= policy.maxBytes) return 'bytes';
  if (stats.oldestAt !== null && now - stats.oldestAt >= policy.maxAgeMs) return 'time';
  return null;
}

export function validatePolicy(policy: FlushPolicy): FlushPolicy {
  for (const [name, value] of Object.entries(policy)) {
    if (!Number.isFinite(value) || value <= 0) throw new Error(`flush policy ${name} must be a positive number, got ${value}`);
  }
  return policy;
}
