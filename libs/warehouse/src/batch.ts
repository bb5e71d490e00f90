/**
 * Batch preparation shared by every adapter: one row per key within a batch (databases reject a
 * statement that touches the same key twice), the highest aggregate version per key, and chunking.
 * Pure: no I/O.
 */
import { TableSpec } from './columns';
import { Row } from './rows';

export function keyOf(row: Row, key: readonly string[]): string {
  return key.map((k) => String(row[k])).join('\u0000');
}

/**
 * The rows to write for one table: for keep-existing tables the first row per key (in batch order),
 * for newer-version-wins tables the row with the highest version per key (the first of equals, so a
 * replay of the same records picks the same row).
 */
export function selectRows(spec: Pick<TableSpec, 'key' | 'conflict'>, rows: readonly Row[]): Row[] {
  const chosen = new Map<string, Row>();
  const conflict = spec.conflict;
  for (const row of rows) {
    const k = keyOf(row, spec.key);
    const current = chosen.get(k);
    if (current === undefined) {
      chosen.set(k, row);
    } else if (conflict.kind === 'newer-version-wins' && Number(row[conflict.versionColumn]) > Number(current[conflict.versionColumn])) {
      chosen.set(k, row);
    }
  }
  return [...chosen.values()];
}

/** Whether an incoming row replaces a stored one under the table's conflict rule. */
export function replaces(spec: Pick<TableSpec, 'conflict'>, incoming: Row, stored: Row | undefined): boolean {
  if (stored === undefined) return true;
  if (spec.conflict.kind === 'keep-existing') return false;
  const v = spec.conflict.versionColumn;
  return Number(incoming[v]) > Number(stored[v]);
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size <= 0) throw new Error(`chunk size must be a positive integer, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A row as values in the table's column order (absent columns are null). */
export function rowValues(spec: Pick<TableSpec, 'columns'>, row: Row): unknown[] {
  return spec.columns.map((c) => (row[c.name] === undefined ? null : row[c.name]));
}
