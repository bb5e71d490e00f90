/**
 * The pipeline's business rules (config/pipeline.yaml `rules`): numeric ranges and membership in a
 * reference table. Returns the first broken rule as a message that names the field and the rule.
 */
import type { RangeRule } from '@platform/runtime';
import { readPath } from '@platform/windowing';
import type { ReferenceTable } from './reference-table';

export function brokenRule(rules: readonly RangeRule[], payload: Record<string, unknown>, reference: ReferenceTable): string | undefined {
  for (const rule of rules) {
    const value = readPath(payload, rule.field.split('.'));
    if (rule.oneOfReference !== undefined) {
      if (value === undefined || value === null || !reference.has(rule.oneOfReference, String(value))) {
        return `${rule.field} ${JSON.stringify(value ?? null)} is not in reference table ${rule.oneOfReference}`;
      }
    }
    if (rule.min === undefined && rule.max === undefined) continue;
    if (value === undefined || value === null) continue; // optional field absent: ranges apply to present values
    if (typeof value !== 'number' || !Number.isFinite(value)) return `${rule.field} must be a finite number, got ${JSON.stringify(value)}`;
    if (rule.min !== undefined) {
      if (rule.exclusiveMin ? !(value > rule.min) : !(value >= rule.min))
        return `${rule.field} ${value} must be ${rule.exclusiveMin ? '>' : '>='} ${rule.min}`;
    }
    if (rule.max !== undefined && !(value <= rule.max)) return `${rule.field} ${value} must be <= ${rule.max}`;
  }
  return undefined;
}
