/**
 * Reads the observability assets (Prometheus rules, Grafana dashboards) and pulls metric names out of
 * their PromQL, for the tests that check them against what the apps export.
 */
import { readdirSync, readFileSync } from 'fs';
import { join, resolve } from 'path';
import { parse } from 'yaml';

export const ROOT = resolve(__dirname, '../..');
export const PROMETHEUS_DIR = join(ROOT, 'deploy/observability/prometheus');
export const DASHBOARDS_DIR = join(ROOT, 'deploy/observability/grafana/dashboards');

export interface Expression {
  /** Where the expression comes from, e.g. "alerts.yml AppDown" or "health.json: Apps up". */
  source: string;
  expr: string;
}

export interface AlertRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function alertRules(): AlertRule[] {
  const doc = parse(readFileSync(join(PROMETHEUS_DIR, 'alerts.yml'), 'utf8')) as { groups: Array<{ rules: AlertRule[] }> };
  return doc.groups.flatMap((g) => g.rules);
}

interface Panel {
  title?: string;
  targets?: Array<{ expr?: string }>;
  panels?: Panel[];
}

export function dashboardFiles(): string[] {
  return readdirSync(DASHBOARDS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

export function ruleExpressions(): Expression[] {
  return alertRules().map((r) => ({ source: `alerts.yml ${r.alert ?? r.record}`, expr: r.expr }));
}

export function dashboardExpressions(): Expression[] {
  const out: Expression[] = [];
  const walk = (file: string, panels: Panel[] = []) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) if (target.expr) out.push({ source: `${file}: ${panel.title}`, expr: target.expr });
      walk(file, panel.panels);
    }
  };
  for (const file of dashboardFiles()) walk(file, JSON.parse(readFileSync(join(DASHBOARDS_DIR, file), 'utf8')).panels);
  return out;
}

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'inf',
  'nan',
  'le',
]);

/**
 * Metric names in a PromQL expression: identifiers that are not functions (followed by `(`),
 * keywords, label names inside `{}` or grouping clauses, durations or Grafana variables.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(?<![\w.$])[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const rest = stripped.slice(match.index! + match[0].length);
    if (/^\s*\(/.test(rest) || KEYWORDS.has(match[0].toLowerCase())) continue;
    names.add(match[0]);
  }
  return [...names].sort();
}

/** `# TYPE name kind` lines of a Prometheus text exposition, as name -> kind. */
export function exportedFamilies(exposition: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const match of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) families.set(match[1], match[2]);
  return families;
}

/** Series Prometheus itself creates (scrape health, alert state), not exported by any app. */
const PROMETHEUS_SERIES = new Set(['up', 'ALERTS', 'ALERTS_FOR_STATE', 'scrape_duration_seconds', 'scrape_samples_scraped']);

/** Whether `name` as used in a query is a series of an exported family (histogram parts included). */
export function isExported(name: string, families: Map<string, string>): boolean {
  if (PROMETHEUS_SERIES.has(name) || families.has(name)) return true;
  const part = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (!part) return false;
  const kind = families.get(part[1]);
  return kind === 'histogram' || (kind === 'summary' && part[2] !== 'bucket');
}
