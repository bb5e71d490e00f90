/**
 * Helpers for the processor's changelog: outputs of several calls can be folded into one list with
 * one entry per key (the last write), which is what a compacted topic would keep anyway.
 */
import type { StateMutation } from './types';

/** Last write per key, in first-written order. Restoring the result equals restoring the input. */
export function compactMutations(batches: Iterable<readonly StateMutation[]>): StateMutation[] {
  const latest = new Map<string, StateMutation>();
  for (const batch of batches) for (const m of batch) latest.set(m.key, m);
  return [...latest.values()];
}
