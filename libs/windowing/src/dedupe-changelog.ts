/**
 * The changelog form of the remembered event ids: one record per expiry bucket per commit instead
 * of one per id. The engine's mutations name each id (`d|<id>` -> { expiresAt }, and null when it
 * expires); a task that commits many events at once would write one changelog record per event.
 * `pack` turns the ids a commit adds into one record per expiry bucket,
 *
 *   D|<bucket>|<n>   { ids: [id, ...], expiresAt: [ms, ...] }     (n counts the bucket's records)
 *
 * and, since the engine forgets a bucket's ids all at once when the watermark reaches the bucket
 * (DedupeStore.expire), deletes a bucket's records in the commit whose watermark reaches it, instead
 * of one tombstone per id. After every commit the records alive are exactly the ids the engine
 * holds, so restoring them (`unpack`) gives the same engine.
 *
 * An id whose bucket the watermark has already reached when it is recorded (only with a dedupe TTL
 * shorter than the exact retention) is written as its own `d|` record and deleted by its own
 * tombstone, as are the `d|` records of a changelog written before packing: both stay exact.
 * Pure; one instance per task, rebuilt with the engine from the changelog (`unpack`) when the task
 * is reopened, so a commit that failed leaves nothing behind.
 */
import { expiryBucket } from './dedupe';
import { DEDUPE_PACK_PREFIX, DEDUPE_PREFIX } from './keys';
import type { StateMutation, StateValue } from './types';

type Entry = StateMutation | readonly [string, StateValue | null];

export class DedupeChangelog {
  /** Live pack records per expiry bucket, and the number the bucket's next record takes. */
  private readonly packs = new Map<number, { keys: string[]; next: number }>();
  /** Ids written as their own `d|` record (restored from an older changelog, or recorded past their bucket). */
  private readonly single = new Set<string>();

  constructor(private readonly bucketMs: number) {}

  /**
   * The changelog records of one commit: `mutations` compacted over the commit (last write per key),
   * `watermark` the engine's after it.
   */
  pack(mutations: readonly StateMutation[], watermark: number): StateMutation[] {
    const out: StateMutation[] = [];
    let added: Map<number, { ids: string[]; expiresAt: number[] }> | undefined;
    for (const m of mutations) {
      if (!m.key.startsWith(DEDUPE_PREFIX)) {
        out.push(m);
        continue;
      }
      const id = m.key.slice(DEDUPE_PREFIX.length);
      if (m.value === null) {
        // A packed id goes with its bucket's records below.
        if (this.single.delete(id)) out.push(m);
        continue;
      }
      const expiresAt = m.value.expiresAt as number;
      const bucket = expiryBucket(expiresAt, this.bucketMs);
      if (bucket <= watermark) {
        this.single.add(id);
        out.push(m);
        continue;
      }
      added ??= new Map();
      let group = added.get(bucket);
      if (!group) added.set(bucket, (group = { ids: [], expiresAt: [] }));
      group.ids.push(id);
      group.expiresAt.push(expiresAt);
    }
    if (added) {
      for (const [bucket, group] of added) {
        const key = this.addPack(bucket);
        out.push({ key, value: group });
      }
    }
    for (const [bucket, { keys }] of this.packs) {
      if (bucket > watermark) continue;
      for (const key of keys) out.push({ key, value: null });
      this.packs.delete(bucket);
    }
    return out;
  }

  /**
   * The changelog as read back (in order, tombstones included) to the entries the engine restores:
   * the latest value per key, pack records opened into one `d|` entry per id. Remembers the live
   * records, so the next `pack` continues their numbering and deletes them in time.
   */
  unpack(entries: Iterable<Entry>): Array<readonly [string, StateValue | null]> {
    this.packs.clear();
    this.single.clear();
    const latest = new Map<string, StateValue | null>();
    for (const entry of entries) {
      if (Array.isArray(entry)) latest.set(entry[0], entry[1]);
      else latest.set((entry as StateMutation).key, (entry as StateMutation).value);
    }
    const out: Array<readonly [string, StateValue | null]> = [];
    for (const [key, value] of latest) {
      if (value === null) continue;
      if (key.startsWith(DEDUPE_PACK_PREFIX)) {
        const bucket = Number(key.slice(DEDUPE_PACK_PREFIX.length, key.indexOf('|', DEDUPE_PACK_PREFIX.length)));
        const { ids, expiresAt } = value as { ids: string[]; expiresAt: number[] };
        if (!Number.isFinite(bucket) || !Array.isArray(ids) || !Array.isArray(expiresAt) || ids.length !== expiresAt.length) throw new Error(`changelog record ${key} is not a packed dedupe record`);
        this.addPack(bucket, key);
        for (let i = 0; i < ids.length; i++) out.push([DEDUPE_PREFIX + ids[i], { expiresAt: expiresAt[i] }]);
        continue;
      }
      if (key.startsWith(DEDUPE_PREFIX)) this.single.add(key.slice(DEDUPE_PREFIX.length));
      out.push([key, value]);
    }
    return out;
  }

  /** Registers a live pack record of `bucket` (a restored one, or the bucket's next); returns its key. */
  private addPack(bucket: number, restored?: string): string {
    let pack = this.packs.get(bucket);
    if (!pack) this.packs.set(bucket, (pack = { keys: [], next: 0 }));
    const n = restored === undefined ? pack.next : Number(restored.slice(restored.lastIndexOf('|') + 1));
    const key = restored ?? `${DEDUPE_PACK_PREFIX}${bucket}|${n}`;
    pack.keys.push(key);
    // Numbering continues after the highest record of the bucket, so no record is ever overwritten.
    if (n >= pack.next) pack.next = n + 1;
    return key;
  }
}
