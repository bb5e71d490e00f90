/**
 * Every entity's windows in memory, plus the source offsets they reflect: the embedded serving
 * store's state. Pure (snapshots are plain JSON values; the caller writes them somewhere).
 */
import type { AggregatedRecord } from '@platform/contracts';
import { KEEP_EVERYTHING, RecentQuery, RetentionPolicy, ServedWindow, toServedWindow, WindowBook } from './window-book';

/** A point from which the state can be rebuilt: its windows and the next source offset per partition. */
export interface ServingSnapshot {
  format: 1;
  /** Partition -> next offset to read (as a decimal string). */
  offsets: Record<string, string>;
  entities: Array<{ event_type: string; group_key: string; windows: ServedWindow[] }>;
}

const SEP = '\u0000';

export class ServingState {
  private readonly entities = new Map<string, Map<string, WindowBook>>();
  private readonly positions = new Map<number, bigint>();

  constructor(private readonly policy: RetentionPolicy = KEEP_EVERYTHING) {}

  static entityKey(eventType: string, groupKey: string): string {
    return `${eventType}${SEP}${groupKey}`;
  }

  /** Applies one committed record read at `offset` of `partition`; true when a window changed. */
  apply(record: AggregatedRecord, partition?: number, offset?: bigint): boolean {
    if (partition !== undefined && offset !== undefined) this.advance(partition, offset + 1n);
    return this.applyWindow(record.event_type, record.group_key, toServedWindow(record));
  }

  /** Records that the source has been read up to `next` (exclusive) on `partition`. */
  advance(partition: number, next: bigint): void {
    if (next > (this.positions.get(partition) ?? -1n)) this.positions.set(partition, next);
  }

  applyWindow(eventType: string, groupKey: string, window: ServedWindow): boolean {
    const key = ServingState.entityKey(eventType, groupKey);
    let names = this.entities.get(key);
    if (!names) {
      names = new Map();
      this.entities.set(key, names);
    }
    let book = names.get(window.window_name);
    if (!book) {
      book = new WindowBook(this.policy);
      names.set(window.window_name, book);
    }
    return book.apply(window);
  }

  offsets(): Map<number, bigint> {
    return new Map(this.positions);
  }

  latest(eventType: string, groupKey: string, windowName: string): ServedWindow | undefined {
    return this.entities.get(ServingState.entityKey(eventType, groupKey))?.get(windowName)?.latest();
  }

  /** The stored slot of one window (tombstones included). */
  slot(eventType: string, groupKey: string, windowName: string, windowStart: number): ServedWindow | undefined {
    return this.entities.get(ServingState.entityKey(eventType, groupKey))?.get(windowName)?.slot(windowStart);
  }

  recent(eventType: string, groupKey: string, windowName: string, query: RecentQuery): ServedWindow[] {
    return this.entities.get(ServingState.entityKey(eventType, groupKey))?.get(windowName)?.recent(query) ?? [];
  }

  /** Number of stored window slots (tombstones included). */
  get windowCount(): number {
    let n = 0;
    for (const names of this.entities.values()) for (const book of names.values()) n += book.size;
    return n;
  }

  snapshot(): ServingSnapshot {
    const entities: ServingSnapshot['entities'] = [];
    for (const [key, names] of this.entities) {
      const [event_type, group_key] = key.split(SEP);
      const windows: ServedWindow[] = [];
      for (const book of names.values()) windows.push(...book.all());
      entities.push({ event_type, group_key, windows });
    }
    return { format: 1, offsets: Object.fromEntries([...this.positions].map(([p, o]) => [String(p), o.toString()])), entities };
  }

  static restore(snapshot: ServingSnapshot, policy: RetentionPolicy = KEEP_EVERYTHING): ServingState {
    if (snapshot?.format !== 1 || typeof snapshot.offsets !== 'object' || !Array.isArray(snapshot.entities)) {
      throw new Error('not a serving snapshot (format 1)');
    }
    const state = new ServingState(policy);
    for (const [partition, offset] of Object.entries(snapshot.offsets)) state.advance(Number(partition), BigInt(offset));
    for (const entity of snapshot.entities) for (const window of entity.windows) state.applyWindow(entity.event_type, entity.group_key, window);
    return state;
  }
}
