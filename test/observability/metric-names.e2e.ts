/**
 * Every metric name the alert rules and Grafana dashboards query is exported by a running app: the
 * schema registry (its /metrics), and the ingest API, sink and processor started in-process on a
 * private pipeline and scraped over HTTP. Names are compared with the `# TYPE` families of the scrapes
 * (histogram `_bucket/_sum/_count` series map to their family).
 */
import { existsSync } from 'fs';
import { Server } from 'http';
import { AddressInfo } from 'net';
import { join } from 'path';
import { withAdmin } from '@platform/kafka';
import { startOpsServer } from '@platform/runtime';
import { ensureRegistry, tempDir, testKafka, TestRegistry, TEST_BROKERS, uniqueName, writeTestPipeline } from '@test/support';
import { SinkHandle, startSink } from '../../apps/sink/src/bootstrap';
import { loadSinkConfig } from '../../apps/sink/src/config';
import { startTestApi, TestApi } from '../ingest-api/support';
import { dashboardExpressions, Expression, exportedFamilies, isExported, metricNamesIn, ROOT, ruleExpressions } from './assets';

interface Stoppable {
  stop?: () => Promise<void>;
  close?: () => Promise<void>;
}

async function scrape(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = await response.text();
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return body;
}

/** name -> where it is used, over every rule and dashboard expression. */
function usedNames(expressions: Expression[]): Map<string, string[]> {
  const used = new Map<string, string[]>();
  for (const { source, expr } of expressions) {
    for (const name of metricNamesIn(expr)) used.set(name, [...(used.get(name) ?? []), source]);
  }
  return used;
}

/** The processor started the way its main.ts does, on the same private pipeline. */
async function startInProcessProcessor(env: Record<string, string>): Promise<Stoppable> {
  const bootstrap = join(ROOT, 'apps/processor/src/bootstrap.ts');
  if (!existsSync(bootstrap)) throw new Error('apps/processor/src/bootstrap.ts does not exist (it must export startProcessor)');
  const { startProcessor } = await import(bootstrap);
  if (typeof startProcessor !== 'function') throw new Error('apps/processor/src/bootstrap.ts does not export startProcessor');
  const { loadProcessorConfig } = await import(join(ROOT, 'apps/processor/src/config.ts'));
  return startProcessor({ config: loadProcessorConfig(env) });
}

describe('observability assets: metric names', () => {
  it('extracts metric names from PromQL, leaving out functions, keywords, labels, durations and variables', () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{route=~"/api/v1/events.*"}[5m]))) > 0.025',
      ),
    ).toEqual(['http_request_duration_seconds_bucket']);
    expect(
      metricNamesIn('(sum(rate(a_total[$__rate_interval])) or vector(0)) + sum by (destination) (b) and on() deriv(max(c)[10m:30s]) > 1e3'),
    ).toEqual(['a_total', 'b', 'c']);
    expect(metricNamesIn('time() - process_start_time_seconds offset 5m')).toEqual(['process_start_time_seconds']);
    const families = new Map([
      ['h', 'histogram'],
      ['c_total', 'counter'],
    ]);
    expect(['h_bucket', 'h_sum', 'h_count', 'c_total', 'up'].every((n) => isExported(n, families))).toBe(true);
    expect(['c_total_bucket', 'h_total', 'missing'].some((n) => isExported(n, families))).toBe(false);
  });

  it('finds at least one metric name in every rule and dashboard query', () => {
    const expressions = [...ruleExpressions(), ...dashboardExpressions()];
    expect(ruleExpressions().length).toBeGreaterThanOrEqual(10);
    expect(dashboardExpressions().length).toBeGreaterThanOrEqual(40);
    expect(expressions.filter((e) => metricNamesIn(e.expr).length === 0)).toEqual([]);
  });
});

describe('observability assets against the running apps', () => {
  const suffix = uniqueName('obs');
  const dir = tempDir('obs-metrics');
  let registry: TestRegistry;
  let api: TestApi | undefined;
  let sink: SinkHandle | undefined;
  let ops: Server | undefined;
  let processor: Stoppable | undefined;
  let processorError: Error | undefined;
  const families = new Map<string, string>();
  const used = usedNames([...ruleExpressions(), ...dashboardExpressions()]);

  beforeAll(async () => {
    registry = await ensureRegistry();
    const pipelinePath = writeTestPipeline({ suffix, dir, partitions: 1 });
    const env = {
      PIPELINE_CONFIG: pipelinePath,
      KAFKA_BROKERS: TEST_BROKERS.join(','),
      ...registry.clientEnv,
      DATA_DIR: dir,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    };
    api = await startTestApi({ pipelinePath });
    sink = await startSink({
      config: loadSinkConfig({
        ...env,
        SINK_WAREHOUSE_GROUP: `${suffix}.warehouse`,
        SINK_LAKE_GROUP: `${suffix}.lake`,
        SINK_KAFKA_SESSION_TIMEOUT: '10s',
      }),
    });
    // The processor may be missing or fail to start; its own test reports that, the others still run.
    try {
      processor = await startInProcessProcessor({ ...env, PROCESSOR_GROUP: `${suffix}-processor`, PROCESSOR_OPS_PORT: '0' });
    } catch (error) {
      processorError = error as Error;
    }
    // The sink and processor serve /metrics on their ops server, as their main.ts does.
    ops = await startOpsServer(0, '127.0.0.1');
    const opsUrl = `http://127.0.0.1:${(ops.address() as AddressInfo).port}`;
    for (const url of [`${registry.url}/metrics`, `${api.url}/metrics`, `${opsUrl}/metrics`]) {
      for (const [name, kind] of exportedFamilies(await scrape(url))) families.set(name, kind);
    }
  });

  afterAll(async () => {
    await (processor?.stop ?? processor?.close)?.call(processor).catch(() => undefined);
    await sink?.stop();
    await new Promise<void>((resolve) => (ops ? ops.close(() => resolve()) : resolve()));
    await api?.close();
    // Every topic this run created carries the suffix (pipeline topics, the processor's changelogs).
    await withAdmin(testKafka('obs-cleanup'), async (admin) => {
      const topics = (await admin.listTopics()).filter((t) => t.includes(suffix));
      if (topics.length > 0) await admin.deleteTopics({ topics });
    }).catch(() => undefined);
    await registry?.close();
  });

  const missing = (names: string[]) =>
    names.filter((n) => !isExported(n, families)).map((n) => `${n} (used in ${used.get(n)!.join('; ')})`);

  it('the registry, ingest API and sink export every non-processor metric the rules and dashboards use', () => {
    expect(families.size).toBeGreaterThan(30);
    const names = [...used.keys()].filter((n) => !n.startsWith('processor_'));
    expect(names.length).toBeGreaterThan(20);
    expect(missing(names)).toEqual([]);
  });

  it('the processor, started in-process, exports every processor metric the rules and dashboards use', () => {
    if (processorError) throw new Error(`the processor could not be started in-process: ${processorError.stack ?? processorError.message}`);
    const names = [...used.keys()].filter((n) => n.startsWith('processor_'));
    expect(names.length).toBeGreaterThan(5);
    expect(missing(names)).toEqual([]);
  });
});
