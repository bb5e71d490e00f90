/**
 * The Prometheus assets pass promtool: rule syntax, the scrape config (with the rule files it loads)
 * and the rule unit tests in alerts.test.yml. promtool comes from Debian's `prometheus` package;
 * scripts/ensure-promtool.sh (run by npm test and .ci/run) installs it when missing. Also checks that
 * every alert is actionable: a `for:`, a severity, a summary and description, and a runbook anchor
 * that exists in docs/OPERATIONS.md.
 */
import { execFile } from 'child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { tempDir } from '@test/support';
import { alertRules, PROMETHEUS_DIR, ROOT } from './assets';

interface Run {
  code: number;
  output: string;
}

function promtool(args: string[], cwd = PROMETHEUS_DIR): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile('promtool', args, { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(
          new Error(
            'promtool is not installed: apt-get update && apt-get install -y --no-install-recommends prometheus (scripts/ensure-promtool.sh does this)',
          ),
        );
        return;
      }
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

/** GitHub's anchor for a Markdown heading. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');
}

describe('Prometheus assets under promtool', () => {
  it('the alert rules pass promtool check rules', async () => {
    const run = await promtool(['check', 'rules', 'alerts.yml']);
    expect(run.output).toContain(`SUCCESS: ${alertRules().length} rules found`);
    expect(run.code).toBe(0);
  });

  it('the scrape config and the rule files it loads pass promtool check config', async () => {
    const run = await promtool(['check', 'config', 'prometheus.yml']);
    expect(run.output).toContain('is valid prometheus config file syntax');
    expect(run.code).toBe(0);
  });

  it('the rule unit tests in alerts.test.yml pass', async () => {
    const run = await promtool(['test', 'rules', 'alerts.test.yml']);
    expect(run.output).toContain('SUCCESS');
    expect(run.code).toBe(0);
  });

  it('promtool test rules fails when an expectation is wrong (the unit tests can fail)', async () => {
    const dir = tempDir('promtool');
    copyFileSync(join(PROMETHEUS_DIR, 'alerts.yml'), join(dir, 'alerts.yml'));
    const tests = readFileSync(join(PROMETHEUS_DIR, 'alerts.test.yml'), 'utf8');
    const broken = tests.replace('severity: critical\n              job: sink', 'severity: warning\n              job: sink');
    expect(broken).not.toBe(tests);
    writeFileSync(join(dir, 'alerts.test.yml'), broken);
    const run = await promtool(['test', 'rules', 'alerts.test.yml'], dir);
    expect(run.output).toContain('FAILED');
    expect(run.code).not.toBe(0);
  });
});

describe('alert rules are actionable', () => {
  const operations = readFileSync(join(ROOT, 'docs/OPERATIONS.md'), 'utf8');
  const anchors = new Set([...operations.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1])));

  it.each(alertRules().map((r) => [r.alert!, r] as const))(
    '%s has for, severity, summary, description and a runbook section',
    (_name, rule) => {
      expect(rule.for).toMatch(/^\d+[smh]$/);
      expect(['critical', 'warning', 'info']).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary).toBeTruthy();
      expect(rule.annotations?.description).toBeTruthy();
      const runbook = rule.annotations?.runbook_url ?? '';
      expect(runbook).toMatch(/^docs\/OPERATIONS\.md#/);
      expect(anchors).toContain(runbook.split('#')[1]);
    },
  );
});
