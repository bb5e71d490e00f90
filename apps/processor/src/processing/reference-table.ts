/**
 * Reference data for validation and enrichment (e.g. symbol -> sector, currency -> USD rate), as a
 * table kept current from a compacted topic: key `<table>:<key>`, JSON value, null value deletes.
 * Pure: the processor feeds it records; nothing here touches Kafka.
 */
import type { EnrichmentSpec } from '@platform/runtime';

export type ReferenceValue = string | number | boolean | null;

export class ReferenceTable {
  private readonly tables = new Map<string, Map<string, ReferenceValue>>();

  static recordKey(table: string, key: string): string {
    return `${table}:${key}`;
  }

  /** The records that seed the topic from the pipeline config's `reference_data`. */
  static seedRecords(data: Record<string, Record<string, string | number>>): Array<{ key: string; value: string }> {
    return Object.entries(data).flatMap(([table, entries]) =>
      Object.entries(entries).map(([key, value]) => ({ key: ReferenceTable.recordKey(table, key), value: JSON.stringify(value) })),
    );
  }

  /** Applies one record of the topic; returns false (and changes nothing) for a malformed one. */
  apply(recordKey: string, value: string | null): boolean {
    const colon = recordKey.indexOf(':');
    if (colon <= 0 || colon === recordKey.length - 1) return false;
    const table = recordKey.slice(0, colon);
    const key = recordKey.slice(colon + 1);
    if (value === null) {
      this.tables.get(table)?.delete(key);
      return true;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      return false;
    }
    if (parsed !== null && typeof parsed === 'object') return false;
    let rows = this.tables.get(table);
    if (!rows) this.tables.set(table, (rows = new Map()));
    rows.set(key, parsed as ReferenceValue);
    return true;
  }

  has(table: string, key: string): boolean {
    return this.tables.get(table)?.has(key) ?? false;
  }

  get(table: string, key: string): ReferenceValue | undefined {
    return this.tables.get(table)?.get(key);
  }

  size(table: string): number {
    return this.tables.get(table)?.size ?? 0;
  }

  /** A copy of `payload` with the enrichment fields added (null where the reference has no entry). */
  enrich(payload: Record<string, unknown>, specs: readonly EnrichmentSpec[]): Record<string, unknown> {
    if (specs.length === 0) return payload;
    const out = { ...payload };
    for (const spec of specs) {
      const key = payload[spec.field];
      out[spec.into] = key === undefined || key === null ? null : (this.get(spec.reference, String(key)) ?? null);
    }
    return out;
  }
}
