/**
 * The running aggregate of one window: count, exact sum, min, max, distinct users, first/last
 * event time. avg is derived (sum / number of values), so it never drifts from the sum.
 * Events without a numeric value still count but leave sum/min/max/avg alone.
 */
import { addExact, mergeExact, readExact } from './exact-sum';

/** The persisted form of an aggregate (users are persisted as separate keys, see engine). */
export interface AggregateFields {
  count: number;
  valueCount: number;
  /** Exact-sum partials (see exact-sum.ts). */
  sum: number[];
  min: number | null;
  max: number | null;
  firstEventTime: number;
  lastEventTime: number;
}

export class Aggregate {
  count = 0;
  valueCount = 0;
  partials: number[] = [];
  min: number | null = null;
  max: number | null = null;
  /** Exact distinct user ids; created on the first user so user-less windows carry no Set. */
  users: Set<string> | null = null;
  firstEventTime = 0;
  lastEventTime = 0;

  /** Adds one event. Returns true when userId is new to this window (its key must be persisted). */
  add(eventTime: number, value: number | undefined, userId: string | undefined): boolean {
    if (this.count === 0 || eventTime < this.firstEventTime) this.firstEventTime = eventTime;
    if (this.count === 0 || eventTime > this.lastEventTime) this.lastEventTime = eventTime;
    this.count++;
    if (value !== undefined) {
      this.valueCount++;
      addExact(this.partials, value);
      if (this.min === null || value < this.min) this.min = value;
      if (this.max === null || value > this.max) this.max = value;
    }
    if (userId === undefined) return false;
    const users = (this.users ??= new Set());
    const before = users.size;
    users.add(userId); // one hash lookup instead of has() + add()
    return users.size !== before;
  }

  /** Folds another aggregate's numbers in (users are merged by the caller, who persists them). */
  mergeNumbers(other: Aggregate): void {
    if (other.count === 0) return;
    if (this.count === 0 || other.firstEventTime < this.firstEventTime) this.firstEventTime = other.firstEventTime;
    if (this.count === 0 || other.lastEventTime > this.lastEventTime) this.lastEventTime = other.lastEventTime;
    this.count += other.count;
    this.valueCount += other.valueCount;
    mergeExact(this.partials, other.partials);
    if (other.min !== null && (this.min === null || other.min < this.min)) this.min = other.min;
    if (other.max !== null && (this.max === null || other.max > this.max)) this.max = other.max;
  }

  get distinctUsers(): number {
    return this.users === null ? 0 : this.users.size;
  }

  sum(): number | null {
    return this.valueCount === 0 ? null : readExact(this.partials);
  }

  avg(): number | null {
    return this.valueCount === 0 ? null : readExact(this.partials) / this.valueCount;
  }

  fields(): AggregateFields {
    return {
      count: this.count,
      valueCount: this.valueCount,
      sum: this.partials.slice(),
      min: this.min,
      max: this.max,
      firstEventTime: this.firstEventTime,
      lastEventTime: this.lastEventTime,
    };
  }

  loadFields(f: AggregateFields): void {
    this.count = f.count;
    this.valueCount = f.valueCount;
    this.partials = f.sum.slice();
    this.min = f.min;
    this.max = f.max;
    this.firstEventTime = f.firstEventTime;
    this.lastEventTime = f.lastEventTime;
  }
}

/**
 * The numeric value an event contributes, or undefined. Only finite numbers count; -0 becomes 0
 * so that a JSON round trip of the state cannot change min/max.
 */
export function numericValue(raw: unknown): number | undefined {
  if (typeof raw !== 'number' || !Number.isFinite(raw)) return undefined;
  return raw === 0 ? 0 : raw;
}
