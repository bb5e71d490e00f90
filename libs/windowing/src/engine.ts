/**
 * The event-time windowing engine: assigns events to windows, aggregates them, fires windows when
 * the watermark passes their end, re-emits them for late events within the allowed lateness,
 * rejects what is later than that, counts each event_id once, and reports every state change as a
 * key/value mutation so the caller can keep the state in a compacted changelog topic.
 *
 * Pure and single-threaded: no clock (processing time comes in as `nowMs`), no randomness, no I/O.
 * The same sequence of calls gives the same outputs, which is what lets a restarted processor
 * restore state, replay its uncommitted input and produce what the crashed one would have.
 */
import { Aggregate, numericValue } from './aggregate';
import { ResolvedWindow, resolveWindows, tumblingStart } from './assigners';
import { DedupeStore } from './dedupe';
import { compileFieldReader, FieldReader } from './fields';
import {
  DEDUPE_PREFIX,
  parseUserKey,
  PARTITION_PREFIX,
  USER_PREFIX,
  userKey,
  WATERMARK_KEY,
  WINDOW_PREFIX,
  windowKey,
} from './keys';
import { TimerQueue } from './timers';
import type {
  EngineOutput,
  EventTypeWindowing,
  LateRejection,
  MissedWindow,
  Rejection,
  PartitionTime,
  StateMutation,
  StateValue,
  WindowEvent,
  WindowingConfig,
  WindowResult,
} from './types';
import { NO_WATERMARK, PartitionClock, WatermarkTracker } from './watermark';

/** Partition used for events that do not say where they came from. */
export const DEFAULT_PARTITION = 'default';

/** Value of every u| key; shared and frozen because the key alone carries the information. */
const MEMBER: StateValue = Object.freeze({ member: true });

/** The windows one (event type, group key) has open, per window definition. */
class GroupSlot {
  readonly fixed: Array<Map<number, WindowState> | undefined> = [];
  /** Open sessions per definition, sorted by start and never overlapping. */
  readonly sessions: Array<WindowState[] | undefined> = [];
  live = 0;
  constructor(
    readonly eventType: string,
    readonly groupKey: string,
  ) {}
}

/** One open window: its aggregate plus where it stands in the fire/purge lifecycle. */
class WindowState extends Aggregate {
  alive = true;
  /** Emitted for its current bounds (the on-time result, or a late creation/update). */
  fired = false;
  /** Last emitted version; 0 before the first emission. */
  version = 0;
  /** When it next needs attention: end while waiting to fire, end + lateness while waiting to purge. */
  dueAt = NaN;
  /**
   * Time of its earliest queued timer (NaN: none), always <= dueAt. A session's end moves with
   * nearly every event; rather than queue a timer per move, the queued one is re-armed at dueAt
   * when it comes due, so each window has O(1) timers however many events extend it.
   */
  timerAt = NaN;

  constructor(
    readonly key: string,
    readonly def: ResolvedWindow,
    readonly slot: GroupSlot,
    /** Start for tumbling/sliding; for a session the time of the event that opened it (stable across merges). */
    readonly id: number,
    public start: number,
    public end: number,
  ) {
    super();
  }

  toState(): StateValue {
    return {
      type: this.slot.eventType,
      window: this.def.name,
      group: this.slot.groupKey,
      id: this.id,
      start: this.start,
      end: this.end,
      ...this.fields(),
      version: this.version,
      fired: this.fired,
    };
  }
}

interface TypeSettings {
  reader: FieldReader;
  defs: ResolvedWindow[];
}

export interface RestoreSummary {
  windows: number;
  users: number;
  dedupeIds: number;
  partitions: number;
  /** Entries that describe nothing this engine's config knows (a removed window definition, orphans). */
  ignored: number;
}

export interface EngineStats {
  watermark: number;
  openWindows: number;
  groups: number;
  dedupeIds: number;
  partitions: number;
  pendingTimers: number;
}

type Dirty = WindowState | PartitionClock | StateValue | null;

export class WindowingEngine {
  private readonly defs: ResolvedWindow[];
  private readonly defsByName = new Map<string, ResolvedWindow>();
  private readonly typeSettings = new Map<string, TypeSettings>();
  private readonly defaultSettings: TypeSettings;
  private readonly dedupeRetentionMs: number;
  private readonly exactRetentionMs: number;
  private readonly emitFinalOnPurge: boolean;

  private readonly tracker: WatermarkTracker;
  private readonly dedupe: DedupeStore;
  private readonly timers = new TimerQueue<WindowState>();
  /** eventType -> groupKey -> open windows. Two levels so the hot path builds no string. */
  private readonly groups = new Map<string, Map<string, GroupSlot>>();
  private openWindows = 0;
  private readonly partitionKeys = new Map<string, string>();

  // What the current call produced; handed out and reset by flush().
  private results: WindowResult[] = [];
  private rejected: Rejection[] = [];
  private duplicates: string[] = [];
  private dirty = new Map<string, Dirty>();

  constructor(config: WindowingConfig) {
    if (!(Number.isFinite(config.allowedLatenessMs) && config.allowedLatenessMs >= 0)) throw new Error('allowedLatenessMs must be >= 0');
    this.defs = resolveWindows(config.windows, config.allowedLatenessMs);
    for (const d of this.defs) this.defsByName.set(d.name, d);
    this.tracker = new WatermarkTracker({ maxOutOfOrdernessMs: config.maxOutOfOrdernessMs, idleTimeoutMs: config.idleTimeoutMs });
    this.dedupe = new DedupeStore({ bucketMs: config.dedupeBucketMs ?? 1000 });
    this.emitFinalOnPurge = config.emitFinalOnPurge === true;
    // The longest event-time span in which a copy of an event could still be counted somewhere:
    // past it every window of the event is purged, so forgetting the id cannot double count.
    this.exactRetentionMs = Math.max(0, ...this.defs.map((d) => d.sizeMs + d.allowedLatenessMs));
    this.dedupeRetentionMs = config.dedupeTtlMs !== undefined && config.dedupeTtlMs > 0 ? config.dedupeTtlMs : this.exactRetentionMs;

    this.defaultSettings = this.compileType(config.defaults);
    for (const t of config.eventTypes ?? []) this.typeSettings.set(t.name, this.compileType(t));
  }

  /** The operator watermark (NO_WATERMARK before any record). */
  get watermark(): number {
    return this.tracker.current;
  }

  /** Event-time span each event id is remembered for. */
  get dedupeRetention(): number {
    return this.dedupeRetentionMs;
  }

  /** Expiry granularity of remembered ids: they are forgotten by bucket (see expiryBucket). */
  get dedupeBucket(): number {
    return this.dedupe.bucket;
  }

  /**
   * The retention at and above which dedupe is exact (longest window span plus its lateness).
   * A shorter configured TTL saves memory but a copy arriving later than it may count again.
   */
  get exactDedupeRetention(): number {
    return this.exactRetentionMs;
  }

  /** Processes one event; `nowMs` is processing time, used only for partition idleness. */
  process(event: WindowEvent, nowMs: number): EngineOutput {
    this.ingest(event, nowMs);
    return this.flush();
  }

  /**
   * Processes events in order, as if by process() one at a time, but returns one output whose
   * mutations are compacted (one per key), which is what a transaction per batch wants.
   */
  processBatch(inputs: Iterable<WindowEvent | PartitionTime>, nowMs: number): EngineOutput {
    for (const input of inputs) {
      if ('eventId' in input) this.ingest(input, nowMs);
      else this.observeTime(input, nowMs);
    }
    return this.flush();
  }

  /**
   * Records the id of an event refused upstream (sent to a dead-letter topic instead of windowed),
   * so that a copy of it is refused once only: the output names the id in `duplicates` when it was
   * already remembered. The id is kept for the dedupe retention from the later of its event time and
   * the watermark, with the time clamped to one retention past the watermark so that a far-future
   * timestamp (a refusal's usual cause) cannot pin it in state.
   */
  recordRefusal(eventId: string, eventTime: number): EngineOutput {
    if (this.dedupe.has(eventId)) this.duplicates.push(eventId);
    else {
      const w = this.tracker.current;
      const time = Number.isFinite(eventTime) ? eventTime : 0;
      const from = w === NO_WATERMARK ? time : Math.min(Math.max(time, w), w + this.dedupeRetentionMs);
      const expiresAt = from + this.dedupeRetentionMs;
      this.dedupe.add(eventId, expiresAt);
      this.dirty.set(DEDUPE_PREFIX + eventId, { expiresAt });
    }
    return this.flush();
  }

  /** Re-evaluates the watermark at processing time `nowMs` (call on a timer so idle partitions release it). */
  advanceWatermark(nowMs: number): EngineOutput {
    this.advance(nowMs);
    return this.flush();
  }

  /**
   * Moves the watermark to `watermarkMs` if that is forward, e.g. Number.MAX_SAFE_INTEGER at the
   * end of a bounded input to fire and purge everything.
   */
  advanceWatermarkTo(watermarkMs: number): EngineOutput {
    if (this.tracker.advanceTo(watermarkMs)) this.onWatermark();
    return this.flush();
  }

  /**
   * Names the input partitions whose upstream still holds undelivered input (replacing the earlier
   * set). They count as active however long they have been quiet; the next watermark evaluation
   * uses the new set. Live knowledge, not part of the state.
   */
  setPendingPartitions(partitions: Iterable<string>): void {
    this.tracker.setPending(partitions);
  }

  /** Registers newly assigned input partitions so they hold the watermark until they deliver or go idle. */
  assignPartitions(partitions: Iterable<string>, nowMs: number): EngineOutput {
    for (const p of partitions) {
      const clock = this.tracker.assign(p, nowMs);
      if (clock) this.dirty.set(this.partitionKey(p), clock);
    }
    return this.flush();
  }

  /** Forgets revoked input partitions; the watermark may then move on without them. */
  revokePartitions(partitions: Iterable<string>, nowMs: number): EngineOutput {
    for (const p of partitions) if (this.tracker.revoke(p)) this.dirty.set(this.partitionKey(p), null);
    this.advance(nowMs);
    return this.flush();
  }

  /**
   * Replaces the engine's state with the one described by `entries`: mutations in the order they
   * were produced, or a compacted topic's latest value per key (any order). A null value deletes.
   */
  restore(entries: Iterable<StateMutation | readonly [string, StateValue | null]>): RestoreSummary {
    this.reset();
    const kv = new Map<string, StateValue>();
    for (const entry of entries) {
      const key = Array.isArray(entry) ? (entry as readonly [string, StateValue | null])[0] : (entry as StateMutation).key;
      const value = Array.isArray(entry) ? (entry as readonly [string, StateValue | null])[1] : (entry as StateMutation).value;
      if (value === null || value === undefined) kv.delete(key);
      else kv.set(key, value);
    }
    const summary: RestoreSummary = { windows: 0, users: 0, dedupeIds: 0, partitions: 0, ignored: 0 };
    const windows = new Map<string, WindowState>();
    const userKeys: string[] = [];
    for (const [key, v] of kv) {
      if (key === WATERMARK_KEY) {
        this.tracker.restoreWatermark(v.watermark as number);
      } else if (key.startsWith(PARTITION_PREFIX)) {
        this.tracker.restorePartition(key.slice(PARTITION_PREFIX.length), v as unknown as PartitionClock);
        summary.partitions++;
      } else if (key.startsWith(DEDUPE_PREFIX)) {
        this.dedupe.add(key.slice(DEDUPE_PREFIX.length), v.expiresAt as number);
        summary.dedupeIds++;
      } else if (key.startsWith(WINDOW_PREFIX)) {
        const def = this.defsByName.get(v.window as string);
        if (!def) {
          summary.ignored++;
          continue;
        }
        const slot = this.slotFor(v.type as string, v.group as string);
        const st = new WindowState(key, def, slot, v.id as number, v.start as number, v.end as number);
        st.loadFields(v as never);
        st.version = v.version as number;
        st.fired = v.fired as boolean;
        if (def.kind === 'session') (slot.sessions[def.index] ??= []).push(st);
        else (slot.fixed[def.index] ??= new Map()).set(st.id, st);
        slot.live++;
        this.openWindows++;
        this.schedule(st);
        windows.set(key, st);
        summary.windows++;
      } else if (key.startsWith(USER_PREFIX)) {
        userKeys.push(key);
      } else {
        summary.ignored++;
      }
    }
    for (const key of userKeys) {
      const parsed = parseUserKey(key);
      const st = parsed && windows.get(parsed.window);
      if (!parsed || !st) {
        summary.ignored++;
        continue;
      }
      (st.users ??= new Set()).add(parsed.user);
      summary.users++;
    }
    for (const byGroup of this.groups.values()) {
      for (const slot of byGroup.values()) for (const list of slot.sessions) list?.sort((a, b) => a.start - b.start);
    }
    return summary;
  }

  /** The whole state as put mutations, sorted by key: restore(snapshot()) reproduces this engine. */
  snapshot(): StateMutation[] {
    const out: StateMutation[] = [];
    // Absent key = no watermark yet, as in the changelog before the first advance.
    if (this.tracker.current !== NO_WATERMARK) out.push({ key: WATERMARK_KEY, value: { watermark: this.tracker.current } });
    for (const [p, clock] of this.tracker.partitions()) out.push({ key: this.partitionKey(p), value: { maxEventTime: clock.maxEventTime, lastSeenMs: clock.lastSeenMs } });
    for (const [id, expiresAt] of this.dedupe.entries()) out.push({ key: DEDUPE_PREFIX + id, value: { expiresAt } });
    for (const st of this.liveWindows()) {
      out.push({ key: st.key, value: st.toState() });
      if (st.users) for (const u of st.users) out.push({ key: userKey(st.key, u), value: MEMBER });
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  stats(): EngineStats {
    let groups = 0;
    for (const byGroup of this.groups.values()) groups += byGroup.size;
    return {
      watermark: this.tracker.current,
      openWindows: this.openWindows,
      groups,
      dedupeIds: this.dedupe.size,
      partitions: this.tracker.partitionCount,
      pendingTimers: this.timers.size,
    };
  }

  // ---------------------------------------------------------------------------------------------

  private compileType(settings: Omit<EventTypeWindowing, 'name'> | undefined): TypeSettings {
    const names = settings?.windows;
    const defs = names === undefined ? this.defs : names.map((n) => {
      const d = this.defsByName.get(n);
      if (!d) throw new Error(`event type settings name unknown window ${n}`);
      return d;
    });
    return { reader: compileFieldReader(settings), defs };
  }

  private settingsFor(eventType: string): TypeSettings {
    return this.typeSettings.get(eventType) ?? this.defaultSettings;
  }

  private partitionKey(partition: string): string {
    let key = this.partitionKeys.get(partition);
    if (key === undefined) {
      key = PARTITION_PREFIX + partition;
      this.partitionKeys.set(partition, key);
    }
    return key;
  }

  private ingest(event: WindowEvent, nowMs: number): void {
    const problem = invalidReason(event);
    if (problem !== undefined) {
      this.rejected.push({ reason: 'INVALID', event, message: problem });
      return;
    }
    const partition = event.partition ?? DEFAULT_PARTITION;
    this.dirty.set(this.partitionKey(partition), this.tracker.observe(partition, event.timestamp, nowMs));
    if (this.dedupe.has(event.eventId)) this.duplicates.push(event.eventId);
    else this.assign(event);
    // The event is judged against the watermark from before it; only then may it move the clock.
    this.advance(nowMs);
  }

  /** Upstream says a partition has reached `eventTime` (its events may have gone to other tasks). */
  private observeTime(time: PartitionTime, nowMs: number): void {
    if (!Number.isFinite(time.eventTime)) return;
    this.dirty.set(this.partitionKey(time.partition), this.tracker.observe(time.partition, time.eventTime, nowMs));
    this.advance(nowMs);
  }

  private assign(event: WindowEvent): void {
    const settings = this.settingsFor(event.eventType);
    const w = this.tracker.current;
    const ts = event.timestamp;
    const value = numericValue(settings.reader.value(event));
    const userId = typeof event.userId === 'string' && event.userId.length > 0 ? event.userId : undefined;
    const groupKey = event.groupKey ?? settings.reader.groupKey(event);
    // Looked up once per event, not per window; dropped again below if nothing landed in it.
    const slot = this.slotFor(event.eventType, groupKey);
    let counted = 0;
    let missed: MissedWindow[] | null = null;

    for (const def of settings.defs) {
      if (def.kind === 'session') {
        // A session this event could join may already be purged, unless the event is within
        // lateness of the watermark: purged sessions end at or before watermark - lateness.
        if (ts < w - def.allowedLatenessMs) {
          (missed ??= []).push({ windowName: def.name, windowKind: def.kind, windowStart: ts, windowEnd: ts + def.sizeMs });
        } else {
          this.addToSession(def, slot, ts, value, userId);
          counted++;
        }
        continue;
      }
      // Tumbling is sliding with advance = size. Same walk as forEachSlidingStart, without a closure.
      const size = def.sizeMs;
      const advance = def.advanceMs;
      for (let start = tumblingStart(ts, advance, def.offsetMs); start > ts - size; start -= advance) {
        const end = start + size;
        if (w >= end + def.allowedLatenessMs) {
          (missed ??= []).push({ windowName: def.name, windowKind: def.kind, windowStart: start, windowEnd: end });
        } else {
          this.addToFixed(def, slot, start, end, ts, value, userId);
          counted++;
        }
      }
    }

    if (slot.live === 0) this.dropSlot(slot);
    // A late event is remembered too, or a client's resend of it would be reported late twice. Its
    // time is behind the watermark, so it is kept for the retention from the watermark on.
    const expiresAt = (counted > 0 ? ts : Math.max(ts, w)) + this.dedupeRetentionMs;
    this.dedupe.add(event.eventId, expiresAt);
    this.dirty.set(DEDUPE_PREFIX + event.eventId, { expiresAt });
    if (missed !== null) {
      const late: LateRejection = { reason: 'LATE', event, missed, partial: counted > 0, watermark: w };
      this.rejected.push(late);
    }
  }

  private slotFor(eventType: string, groupKey: string): GroupSlot {
    let byGroup = this.groups.get(eventType);
    if (!byGroup) {
      byGroup = new Map();
      this.groups.set(eventType, byGroup);
    }
    let slot = byGroup.get(groupKey);
    if (!slot) {
      slot = new GroupSlot(eventType, groupKey);
      byGroup.set(groupKey, slot);
    }
    return slot;
  }

  private addToFixed(def: ResolvedWindow, slot: GroupSlot, start: number, end: number, ts: number, value: number | undefined, userId: string | undefined): void {
    const byStart = (slot.fixed[def.index] ??= new Map());
    let st = byStart.get(start);
    if (!st) {
      st = new WindowState(windowKey(def.name, slot.eventType, slot.groupKey, start), def, slot, start, start, end);
      byStart.set(start, st);
      slot.live++;
      this.openWindows++;
    }
    this.addEvent(st, ts, value, userId);
  }

  private addToSession(def: ResolvedWindow, slot: GroupSlot, ts: number, value: number | undefined, userId: string | undefined): void {
    const gap = def.sizeMs;
    const list = (slot.sessions[def.index] ??= []);
    // Sessions are sorted and disjoint, so their ends are sorted too: find the first ending after
    // ts, then every session starting before ts + gap from there on overlaps the event.
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].end > ts) hi = mid;
      else lo = mid + 1;
    }
    let last = lo;
    while (last < list.length && list[last].start < ts + gap) last++;

    let st: WindowState;
    if (last === lo) {
      // Its own session. Its id (ts) lies inside no open session, and every purged one of this
      // group ended before ts, so the key is unique.
      st = new WindowState(windowKey(def.name, slot.eventType, slot.groupKey, ts), def, slot, ts, ts, ts + gap);
      list.splice(lo, 0, st);
      slot.live++;
      this.openWindows++;
    } else {
      st = this.mergeSessions(slot, list, lo, last, Math.min(list[lo].start, ts), Math.max(list[last - 1].end, ts + gap));
    }
    this.addEvent(st, ts, value, userId);
  }

  /**
   * Merges list[lo..last) into one session with the given bounds (an event bridged them or
   * stretched one). Sessions already emitted under other bounds are retracted first. The one with
   * the most users survives, so the fewest user keys move.
   */
  private mergeSessions(slot: GroupSlot, list: WindowState[], lo: number, last: number, start: number, end: number): WindowState {
    let survivor = list[lo];
    for (let i = lo + 1; i < last; i++) if (list[i].distinctUsers > survivor.distinctUsers) survivor = list[i];
    let version = 0;
    for (let i = lo; i < last; i++) {
      const c = list[i];
      if (c.fired && (c !== survivor || c.start !== start || c.end !== end)) {
        c.version++;
        this.results.push(this.toResult(c, true, true));
        c.fired = false;
      }
      if (c.version > version) version = c.version;
    }
    for (let i = lo; i < last; i++) {
      const c = list[i];
      if (c === survivor) continue;
      survivor.mergeNumbers(c);
      if (c.users) {
        for (const u of c.users) {
          this.dirty.set(userKey(c.key, u), null);
          if (survivor.users === null) survivor.users = new Set();
          if (!survivor.users.has(u)) {
            survivor.users.add(u);
            this.dirty.set(userKey(survivor.key, u), MEMBER);
          }
        }
      }
      c.alive = false;
      this.dirty.set(c.key, null);
      slot.live--;
      this.openWindows--;
    }
    survivor.start = start;
    survivor.end = end;
    survivor.version = version;
    if (last - lo > 1) list.splice(lo, last - lo, survivor);
    this.dirty.set(survivor.key, survivor);
    return survivor;
  }

  private addEvent(st: WindowState, ts: number, value: number | undefined, userId: string | undefined): void {
    if (st.add(ts, value, userId)) this.dirty.set(userKey(st.key, userId as string), MEMBER);
    this.dirty.set(st.key, st);
    const w = this.tracker.current;
    if (st.fired) {
      // Late but within lateness: the window already reported, so report the correction.
      st.version++;
      this.results.push(this.toResult(st, false, false));
    } else if (w >= st.end) {
      // Created (or re-bounded) behind the watermark but within lateness: report it at once.
      st.fired = true;
      st.version++;
      this.results.push(this.toResult(st, w >= st.end + st.def.allowedLatenessMs, false));
    }
    this.schedule(st);
  }

  /** Sets the window's due time; queues a timer only when none is queued at or before it. */
  private schedule(st: WindowState): void {
    const due = st.fired ? st.end + st.def.allowedLatenessMs : st.end;
    st.dueAt = due;
    if (st.timerAt <= due) return;
    st.timerAt = due;
    this.timers.add(due, st);
  }

  private advance(nowMs: number): void {
    if (this.tracker.advance(nowMs)) this.onWatermark();
  }

  /** The watermark moved: fire and purge what came due, in (time, key) order, and expire ids. */
  private onWatermark(): void {
    const w = this.tracker.current;
    this.dirty.set(WATERMARK_KEY, null);
    for (let due = this.timers.pollDue(w); due; due = this.timers.pollDue(w)) {
      const items = due.items;
      // Sorting makes the emission order independent of how the bucket was filled, so a restored
      // engine (whose buckets are refilled in another order) emits exactly the same sequence.
      if (items.length > 1) items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      for (const st of items) this.onTimer(st, due.time, w);
    }
    this.dedupe.expire(w, (id) => this.dirty.set(DEDUPE_PREFIX + id, null));
  }

  private onTimer(st: WindowState, time: number, w: number): void {
    // Dead windows and superseded timers (an earlier one was queued after this) do nothing.
    if (!st.alive || st.timerAt !== time) return;
    st.timerAt = NaN;
    if (st.dueAt > time) {
      // The window moved on (a session grew) since this timer was queued: re-arm it.
      this.schedule(st);
      return;
    }
    const lateness = st.def.allowedLatenessMs;
    if (!st.fired) {
      st.fired = true;
      st.version++;
      const final = w >= st.end + lateness;
      this.results.push(this.toResult(st, final, false));
      if (final) this.purge(st);
      else {
        this.dirty.set(st.key, st);
        this.schedule(st);
      }
      return;
    }
    if (this.emitFinalOnPurge) {
      st.version++;
      this.results.push(this.toResult(st, true, false));
    }
    this.purge(st);
  }

  private purge(st: WindowState): void {
    st.alive = false;
    this.dirty.set(st.key, null);
    if (st.users) for (const u of st.users) this.dirty.set(userKey(st.key, u), null);
    const slot = st.slot;
    if (st.def.kind === 'session') {
      const list = slot.sessions[st.def.index] as WindowState[];
      const i = list.indexOf(st);
      if (i >= 0) list.splice(i, 1);
    } else {
      slot.fixed[st.def.index]?.delete(st.id);
    }
    this.openWindows--;
    if (--slot.live === 0) this.dropSlot(slot);
  }

  /** Drops an empty group so memory follows open windows, not every key ever seen. */
  private dropSlot(slot: GroupSlot): void {
    const byGroup = this.groups.get(slot.eventType);
    if (!byGroup || byGroup.get(slot.groupKey) !== slot) return;
    byGroup.delete(slot.groupKey);
    if (byGroup.size === 0) this.groups.delete(slot.eventType);
  }

  private toResult(st: WindowState, final: boolean, retracted: boolean): WindowResult {
    return {
      eventType: st.slot.eventType,
      windowKind: st.def.kind,
      windowName: st.def.name,
      windowStart: st.start,
      windowEnd: st.end,
      groupKey: st.slot.groupKey,
      count: st.count,
      valueCount: st.valueCount,
      sum: st.sum(),
      avg: st.avg(),
      min: st.min,
      max: st.max,
      distinctUsers: st.distinctUsers,
      version: st.version,
      final,
      retracted,
      firstEventTime: st.firstEventTime,
      lastEventTime: st.lastEventTime,
      watermark: this.tracker.current,
    };
  }

  private flush(): EngineOutput {
    const mutations: StateMutation[] = [];
    for (const [key, v] of this.dirty) mutations.push({ key, value: this.materialize(key, v) });
    const out: EngineOutput = { results: this.results, rejected: this.rejected, duplicates: this.duplicates, mutations, watermark: this.tracker.current };
    this.results = [];
    this.rejected = [];
    this.duplicates = [];
    this.dirty.clear();
    return out;
  }

  /** Dirty entries hold live objects; their value is read once, when the call ends. */
  private materialize(key: string, v: Dirty): StateValue | null {
    if (key === WATERMARK_KEY) return { watermark: this.tracker.current };
    if (v === null) return null;
    if (v instanceof WindowState) return v.alive ? v.toState() : null;
    if (key.startsWith(PARTITION_PREFIX)) {
      const clock = v as PartitionClock;
      return { maxEventTime: clock.maxEventTime, lastSeenMs: clock.lastSeenMs };
    }
    return v as StateValue;
  }

  private *liveWindows(): IterableIterator<WindowState> {
    for (const byGroup of this.groups.values()) {
      for (const slot of byGroup.values()) {
        for (const m of slot.fixed) if (m) yield* m.values();
        for (const list of slot.sessions) if (list) yield* list;
      }
    }
  }

  private reset(): void {
    this.tracker.restoreWatermark(NO_WATERMARK);
    for (const [p] of [...this.tracker.partitions()]) this.tracker.revoke(p);
    this.dedupe.clear();
    this.timers.clear();
    this.groups.clear();
    this.openWindows = 0;
    this.results = [];
    this.rejected = [];
    this.duplicates = [];
    this.dirty.clear();
  }
}

function invalidReason(event: WindowEvent): string | undefined {
  if (event === null || typeof event !== 'object') return 'event must be an object';
  if (typeof event.eventId !== 'string' || event.eventId.length === 0) return 'eventId must be a non-empty string';
  if (typeof event.eventType !== 'string' || event.eventType.length === 0) return 'eventType must be a non-empty string';
  if (typeof event.timestamp !== 'number' || !Number.isFinite(event.timestamp)) return 'timestamp must be a finite number (epoch ms)';
  return undefined;
}
