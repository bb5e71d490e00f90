/** Small SQL text helpers shared by the adapters. */

/** A double-quoted identifier (quotes inside doubled). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A single-quoted string literal (quotes inside doubled). */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
