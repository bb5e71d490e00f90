/**
 * Watermarks with bounded out-of-orderness, per input partition, combined into one operator
 * watermark: the minimum over partitions, so a slow partition holds event time back rather than
 * having its records judged late. A partition with no records for `idleTimeoutMs` of processing
 * time (the caller's `nowMs`; there is no clock in here) is left out of the minimum so a quiet
 * partition cannot stall every window; when all are idle the furthest one leads. Quiet is not
 * the same as idle when the caller knows a partition's input is still on its way (its upstream is
 * behind, e.g. after a restart): such a partition is "pending" and holds the watermark however long
 * it has been quiet, so its backlog cannot be overtaken by the others and judged late. The operator
 * watermark never goes backwards.
 *
 * Meaning: watermark W says events with timestamp < W are not expected any more; a window
 * [start, end) is complete once W >= end.
 */

/** "No watermark yet": smaller than any event time, and unlike -Infinity it survives JSON. */
export const NO_WATERMARK = Number.MIN_SAFE_INTEGER;

/** What is kept (and persisted) per input partition. */
export interface PartitionClock {
  /** Largest event time seen, or null when the partition was assigned but has had no records. */
  maxEventTime: number | null;
  /** Processing time of the latest record (or of the assignment). */
  lastSeenMs: number;
}

export interface WatermarkOptions {
  maxOutOfOrdernessMs: number;
  /** Absent or <= 0: partitions never count as idle. */
  idleTimeoutMs?: number;
}

export class WatermarkTracker {
  private readonly clocks = new Map<string, PartitionClock>();
  /** Partitions with input known to be on its way; live knowledge from the caller, not persisted. */
  private pending = new Set<string>();
  private watermark = NO_WATERMARK;
  private readonly outOfOrderness: number;
  private readonly idleTimeout: number;

  constructor(options: WatermarkOptions) {
    if (!(Number.isFinite(options.maxOutOfOrdernessMs) && options.maxOutOfOrdernessMs >= 0)) {
      throw new Error('maxOutOfOrdernessMs must be a number >= 0');
    }
    this.outOfOrderness = options.maxOutOfOrdernessMs;
    const idle = options.idleTimeoutMs ?? 0;
    this.idleTimeout = idle > 0 ? idle : Infinity;
  }

  /** The operator watermark. */
  get current(): number {
    return this.watermark;
  }

  get partitionCount(): number {
    return this.clocks.size;
  }

  /**
   * Registers a partition before its first record (on assignment), so that it holds the watermark
   * back until it either delivers records or goes idle. Returns its clock, or undefined when known.
   */
  assign(partition: string, nowMs: number): PartitionClock | undefined {
    if (this.clocks.has(partition)) return undefined;
    const clock: PartitionClock = { maxEventTime: null, lastSeenMs: nowMs };
    this.clocks.set(partition, clock);
    return clock;
  }

  /** Forgets a partition (revoked in a rebalance). The watermark stays where it is. */
  revoke(partition: string): boolean {
    return this.clocks.delete(partition);
  }

  /** Records one record's event time; returns the partition's (mutated) clock. */
  observe(partition: string, eventTime: number, nowMs: number): PartitionClock {
    let clock = this.clocks.get(partition);
    if (!clock) {
      clock = { maxEventTime: eventTime, lastSeenMs: nowMs };
      this.clocks.set(partition, clock);
      return clock;
    }
    if (clock.maxEventTime === null || eventTime > clock.maxEventTime) clock.maxEventTime = eventTime;
    if (nowMs > clock.lastSeenMs) clock.lastSeenMs = nowMs;
    return clock;
  }

  /** One partition's own watermark: max event time minus the out-of-orderness bound. */
  partitionWatermark(partition: string): number {
    const clock = this.clocks.get(partition);
    return clock ? this.clockWatermark(clock) : NO_WATERMARK;
  }

  /** Replaces the set of pending partitions (input on its way: never idle). */
  setPending(partitions: Iterable<string>): void {
    this.pending = new Set(partitions);
  }

  isIdle(partition: string, nowMs: number): boolean {
    const clock = this.clocks.get(partition);
    return clock !== undefined && this.quietTooLong(partition, clock, nowMs);
  }

  /** What the watermark would be from the partitions alone (before the never-backwards rule). */
  candidate(nowMs: number): number {
    let activeMin = Infinity;
    let idleMax = NO_WATERMARK;
    let active = 0;
    for (const [partition, clock] of this.clocks) {
      const w = this.clockWatermark(clock);
      if (this.quietTooLong(partition, clock, nowMs)) {
        if (w > idleMax) idleMax = w;
      } else {
        active++;
        if (w < activeMin) activeMin = w;
      }
    }
    if (active > 0) return activeMin;
    return this.clocks.size > 0 ? idleMax : NO_WATERMARK;
  }

  /** Recomputes the operator watermark; returns true when it moved forward. */
  advance(nowMs: number): boolean {
    return this.advanceTo(this.candidate(nowMs));
  }

  /** Moves the watermark to `watermark` if that is forward (end of input, external signal). */
  advanceTo(watermark: number): boolean {
    if (!(watermark > this.watermark)) return false;
    this.watermark = watermark;
    return true;
  }

  /** Every partition's clock (live objects: copy before keeping). */
  partitions(): IterableIterator<[string, PartitionClock]> {
    return this.clocks.entries();
  }

  clock(partition: string): PartitionClock | undefined {
    return this.clocks.get(partition);
  }

  /** Restore hooks: put back a persisted clock / watermark exactly as they were. */
  restorePartition(partition: string, clock: PartitionClock): void {
    this.clocks.set(partition, { maxEventTime: clock.maxEventTime, lastSeenMs: clock.lastSeenMs });
  }

  restoreWatermark(watermark: number): void {
    this.watermark = watermark;
  }

  private quietTooLong(partition: string, clock: PartitionClock, nowMs: number): boolean {
    return nowMs - clock.lastSeenMs >= this.idleTimeout && !this.pending.has(partition);
  }

  private clockWatermark(clock: PartitionClock): number {
    return clock.maxEventTime === null ? NO_WATERMARK : clock.maxEventTime - this.outOfOrderness;
  }
}
