/**
 * The registry's state, rebuilt by applying the schemas topic's records in offset order. Every record
 * replaces the state of its key (a tombstone removes it), which is exactly what log compaction keeps,
 * so the full log and its compacted form give the same state. Pure: no I/O.
 */
import { CompatibilityLevel, DEFAULT_COMPATIBILITY, parseCompatibilityLevel } from '../compatibility/avro-compatibility';
import { decodeJsonObject, decodeKey, decodeSchemaValue, SchemaValue } from './store-records';

export const MODES = ['READWRITE', 'READONLY', 'READONLY_OVERRIDE', 'IMPORT'] as const;
export type Mode = (typeof MODES)[number];

export class RegistryState {
  private readonly subjects = new Map<string, Map<number, SchemaValue>>();
  private readonly byId = new Map<number, Set<SchemaValue>>();
  private readonly subjectLevels = new Map<string, CompatibilityLevel>();
  private globalLevel: CompatibilityLevel | undefined;
  private globalMode: Mode = 'READWRITE';
  /** Never decreases, even when the record holding the highest id is hard-deleted. */
  private highestId = 0;

  /** Applies one record; returns false when it was not understood (and so changed nothing). */
  applyRecord(rawKey: string | null, rawValue: string | null): boolean {
    const key = rawKey === null ? undefined : decodeKey(rawKey);
    if (!key) return false;
    switch (key.keytype) {
      case 'SCHEMA': {
        if (rawValue === null) return this.removeVersion(key.subject, key.version);
        const value = decodeSchemaValue(rawValue);
        if (!value || value.subject !== key.subject || value.version !== key.version) return false;
        this.removeVersion(key.subject, key.version);
        const versions = this.subjects.get(value.subject) ?? new Map<number, SchemaValue>();
        versions.set(value.version, value);
        this.subjects.set(value.subject, versions);
        const holders = this.byId.get(value.id) ?? new Set<SchemaValue>();
        holders.add(value);
        this.byId.set(value.id, holders);
        this.highestId = Math.max(this.highestId, value.id);
        return true;
      }
      case 'CONFIG': {
        const level = rawValue === null ? undefined : parseCompatibilityLevel(decodeJsonObject(rawValue)?.compatibilityLevel);
        if (rawValue !== null && !level) return false;
        if (key.subject === null) this.globalLevel = level;
        else if (level) this.subjectLevels.set(key.subject, level);
        else this.subjectLevels.delete(key.subject);
        return true;
      }
      case 'MODE': {
        const mode = rawValue === null ? 'READWRITE' : decodeJsonObject(rawValue)?.mode;
        if (key.subject !== null || !(MODES as readonly unknown[]).includes(mode)) return false;
        this.globalMode = mode as Mode;
        return true;
      }
      case 'ID_HIGH_WATER': {
        const maxId = rawValue === null ? undefined : decodeJsonObject(rawValue)?.maxId;
        if (!Number.isInteger(maxId)) return false;
        this.highestId = Math.max(this.highestId, maxId as number);
        return true;
      }
      case 'NOOP':
        return true;
    }
  }

  private removeVersion(subject: string, version: number): boolean {
    const versions = this.subjects.get(subject);
    const existing = versions?.get(version);
    if (!versions || !existing) return true;
    versions.delete(version);
    if (versions.size === 0) this.subjects.delete(subject);
    const holders = this.byId.get(existing.id);
    holders?.delete(existing);
    if (holders?.size === 0) this.byId.delete(existing.id);
    return true;
  }

  subjectNames(includeDeleted: boolean): string[] {
    return [...this.subjects.keys()].filter((subject) => this.versionsOf(subject, includeDeleted).length > 0).sort();
  }

  /** The versions of a subject, oldest first. */
  versionsOf(subject: string, includeDeleted: boolean): SchemaValue[] {
    const versions = [...(this.subjects.get(subject)?.values() ?? [])].filter((value) => includeDeleted || !value.deleted);
    return versions.sort((a, b) => a.version - b.version);
  }

  getVersion(subject: string, version: number): SchemaValue | undefined {
    return this.subjects.get(subject)?.get(version);
  }

  latest(subject: string, includeDeleted: boolean): SchemaValue | undefined {
    return this.versionsOf(subject, includeDeleted).at(-1);
  }

  /** The next version number of a subject: one past every version it still holds, deleted or not. */
  nextVersion(subject: string): number {
    return (this.versionsOf(subject, true).at(-1)?.version ?? 0) + 1;
  }

  /** A record holding the schema with this id, preferring one that is not soft-deleted. */
  schemaById(id: number): SchemaValue | undefined {
    const holders = [...(this.byId.get(id) ?? [])];
    return holders.find((value) => !value.deleted) ?? holders[0];
  }

  usagesOfId(id: number, includeDeleted: boolean): Array<{ subject: string; version: number }> {
    return [...(this.byId.get(id) ?? [])]
      .filter((value) => includeDeleted || !value.deleted)
      .map(({ subject, version }) => ({ subject, version }))
      .sort((a, b) => (a.subject === b.subject ? a.version - b.version : a.subject < b.subject ? -1 : 1));
  }

  *allSchemas(): Iterable<SchemaValue> {
    for (const versions of this.subjects.values()) yield* versions.values();
  }

  maxId(): number {
    return this.highestId;
  }

  /** Ids of the live schemas that reference subject/version. */
  referencedBy(subject: string, version: number): number[] {
    const ids = new Set<number>();
    for (const value of this.allSchemas()) {
      if (!value.deleted && value.references.some((ref) => ref.subject === subject && ref.version === version)) ids.add(value.id);
    }
    return [...ids].sort((a, b) => a - b);
  }

  subjectCompatibility(subject: string): CompatibilityLevel | undefined {
    return this.subjectLevels.get(subject);
  }

  globalCompatibility(): CompatibilityLevel {
    return this.globalLevel ?? DEFAULT_COMPATIBILITY;
  }

  /** The level that governs a subject: its own, else the global one. */
  effectiveCompatibility(subject: string): CompatibilityLevel {
    return this.subjectLevels.get(subject) ?? this.globalCompatibility();
  }

  mode(): Mode {
    return this.globalMode;
  }
}
