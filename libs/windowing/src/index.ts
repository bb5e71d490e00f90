/**
 * @platform/windowing: the pure event-time windowing engine (window assigners, watermarks,
 * aggregation, triggers with allowed lateness, event-id dedupe, changelog-friendly state).
 */
export * from './types';
export { WindowingEngine, DEFAULT_PARTITION } from './engine';
export type { RestoreSummary, EngineStats } from './engine';
export { WatermarkTracker, NO_WATERMARK } from './watermark';
export type { PartitionClock, WatermarkOptions } from './watermark';
export { DedupeStore, expiryBucket } from './dedupe';
export { DedupeChangelog } from './dedupe-changelog';
export type { DedupeOptions } from './dedupe';
export { tumblingStart, forEachSlidingStart, slidingWindows, sessionProposal, sessionAbsorbs, resolveWindows } from './assigners';
export type { ResolvedWindow } from './assigners';
export { Aggregate, numericValue } from './aggregate';
export type { AggregateFields } from './aggregate';
export { addExact, mergeExact, readExact } from './exact-sum';
export { compileFieldReader, readPath } from './fields';
export type { FieldReader } from './fields';
export { TimerQueue } from './timers';
export { WATERMARK_KEY, PARTITION_PREFIX, DEDUPE_PREFIX, DEDUPE_PACK_PREFIX, WINDOW_PREFIX, USER_PREFIX, windowKey, userKey, parseUserKey } from './keys';
export { compactMutations } from './mutations';
export * from './serving/window-book';
export * from './serving/serving-state';
