/**
 * The deployment files, validated without a Docker engine or a Kubernetes cluster: every YAML under
 * deploy/ parses; each Kubernetes object is well formed; every app has a Deployment and Service with
 * liveness/readiness probes on its real health paths (answered by the running apps here) and resource
 * requests and limits; no secret value is committed; the pipeline ConfigMaps equal config/ and
 * schemas/; compose and Prometheus agree on service names and ports; the image runs each app's
 * compiled entry from a production tree, and compose and Kubernetes use that image.
 */
import { readdirSync, readFileSync, existsSync, statSync } from 'fs';
import { Server } from 'http';
import { AddressInfo } from 'net';
import { join, relative, resolve } from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { startOpsServer } from '@platform/runtime';
import { withAdmin } from '@platform/kafka';
import { ensureRegistry, testKafka, TestRegistry } from '@test/support';
import { startTestApi, TestApi } from '../ingest-api/support';

const ROOT = resolve(__dirname, '../..');
const DEPLOY = join(ROOT, 'deploy');
const K8S = join(DEPLOY, 'k8s');

/** Each app's port (the metric-name contract's ops ports) and health paths (live, ready). */
const APPS: Record<string, { port: number; live: string; ready: string }> = {
  'ingest-api': { port: 3000, live: '/api/v1/health/live', ready: '/api/v1/health/ready' },
  'schema-registry': { port: 8081, live: '/health/live', ready: '/health/ready' },
  processor: { port: 9101, live: '/health/live', ready: '/health/ready' },
  sink: { port: 9102, live: '/health/live', ready: '/health/ready' },
};

type Obj = Record<string, any>;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

function k8sObjects(): Array<{ file: string; obj: Obj }> {
  return yamlFiles(K8S)
    .filter((f) => !f.endsWith('kustomization.yaml'))
    .flatMap((file) => parseAllDocuments(readFileSync(file, 'utf8')).map((d) => ({ file: relative(ROOT, file), obj: d.toJS() as Obj })));
}

const objects = k8sObjects();
const ofKind = (kind: string) => objects.filter((o) => o.obj.kind === kind).map((o) => o.obj);
const deployment = (name: string) => ofKind('Deployment').find((d) => d.metadata.name === name)!;
const container = (name: string) => deployment(name).spec.template.spec.containers[0];

describe('deploy/: every YAML file parses', () => {
  it.each(yamlFiles(DEPLOY).map((f) => [relative(ROOT, f)]))('%s', (file) => {
    const docs = parseAllDocuments(readFileSync(join(ROOT, file), 'utf8'), { merge: true });
    expect(docs.length).toBeGreaterThan(0);
    expect(docs.flatMap((d) => d.errors.map((e) => e.message))).toEqual([]);
    for (const doc of docs) expect(doc.toJS()).toBeTruthy();
  });
});

describe('deploy/k8s: Kubernetes objects', () => {
  it('every object has apiVersion, kind, metadata.name, the namespace, and a spec (data for ConfigMaps)', () => {
    expect(objects.length).toBeGreaterThanOrEqual(12);
    for (const { file, obj } of objects) {
      const where = `${file} ${obj.kind}/${obj.metadata?.name}`;
      expect({ where, apiVersion: typeof obj.apiVersion, kind: typeof obj.kind, name: typeof obj.metadata?.name }).toEqual({
        where,
        apiVersion: 'string',
        kind: 'string',
        name: 'string',
      });
      if (obj.kind === 'Namespace') continue;
      expect({ where, namespace: obj.metadata.namespace }).toEqual({ where, namespace: 'event-platform' });
      expect({ where, body: obj.kind === 'ConfigMap' ? typeof obj.data : typeof obj.spec }).toEqual({ where, body: 'object' });
    }
  });

  it('the kustomization lists every manifest file, and only existing ones', () => {
    const kustomization = parse(readFileSync(join(K8S, 'kustomization.yaml'), 'utf8'));
    const files = yamlFiles(K8S)
      .map((f) => relative(K8S, f))
      .filter((f) => f !== 'kustomization.yaml')
      .sort();
    expect([...kustomization.resources].sort()).toEqual(files);
  });

  it.each(Object.entries(APPS))(
    '%s: a Deployment whose selector matches its pods, probes on its health paths, requests and limits',
    (name, app) => {
      const d = deployment(name);
      expect(d).toBeDefined();
      expect(d.spec.template.metadata.labels).toEqual(expect.objectContaining(d.spec.selector.matchLabels));
      const c = container(name);
      expect(c.args).toEqual([name]);
      const portName = c.ports.find((p: Obj) => p.containerPort === app.port)?.name;
      expect(portName).toBeTruthy();
      for (const [probe, path] of [
        ['startupProbe', app.live],
        ['livenessProbe', app.live],
        ['readinessProbe', app.ready],
      ] as const) {
        expect({ probe, httpGet: c[probe]?.httpGet }).toEqual({ probe, httpGet: { path, port: portName } });
      }
      for (const kind of ['requests', 'limits']) {
        expect(c.resources?.[kind]).toEqual({ cpu: expect.any(String), memory: expect.stringMatching(/^\d+(Mi|Gi)$/) });
      }
      expect(d.spec.template.metadata.annotations).toEqual(
        expect.objectContaining({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(app.port) }),
      );
    },
  );

  it.each(Object.keys(APPS))('%s: a Service selecting its pods on its port', (name) => {
    const service = ofKind('Service').find((s) => s.metadata.name === name)!;
    expect(service).toBeDefined();
    expect(deployment(name).spec.template.metadata.labels).toEqual(expect.objectContaining(service.spec.selector));
    const portName = container(name).ports[0].name;
    expect(service.spec.ports).toEqual([expect.objectContaining({ port: APPS[name].port, targetPort: portName })]);
  });

  it('commits no secret: no Secret object, and the JWT secret is a secretKeyRef', () => {
    expect(ofKind('Secret')).toEqual([]);
    const jwt = container('ingest-api').env.find((e: Obj) => e.name === 'JWT_SECRET');
    expect(jwt).toEqual({ name: 'JWT_SECRET', valueFrom: { secretKeyRef: { name: 'platform-secrets', key: 'jwt-secret' } } });
    for (const { obj } of objects) {
      const text = JSON.stringify(obj);
      expect(text).not.toMatch(
        /"(JWT_SECRET|AWS_SECRET_ACCESS_KEY|SNOWFLAKE_PASSWORD|REGISTRY_USERS|SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO)","value"/,
      );
    }
  });

  it('the registry authenticates: its users and every app credential are secretKeyRefs; containers listen on all interfaces', () => {
    const users = container('schema-registry').env.find((e: Obj) => e.name === 'REGISTRY_USERS');
    expect(users).toEqual({ name: 'REGISTRY_USERS', valueFrom: { secretKeyRef: { name: 'platform-secrets', key: 'registry-users' } } });
    for (const name of ['ingest-api', 'processor', 'sink']) {
      const credentials = container(name).env.find((e: Obj) => e.name === 'SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO');
      expect({ name, credentials }).toEqual({
        name,
        credentials: {
          name: 'SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO',
          valueFrom: { secretKeyRef: { name: 'platform-secrets', key: 'registry-user-info' } },
        },
      });
    }
    expect(ofKind('ConfigMap').find((c) => c.metadata.name === 'platform-env')!.data.HOST).toBe('0.0.0.0');
  });

  it('the pipeline and schema ConfigMaps equal config/pipeline.yaml and schemas/, mounted where PIPELINE_CONFIG points', () => {
    const configMap = (name: string) => ofKind('ConfigMap').find((c) => c.metadata.name === name)!;
    expect(configMap('platform-pipeline').data).toEqual({ 'pipeline.yaml': readFileSync(join(ROOT, 'config/pipeline.yaml'), 'utf8') });
    const schemas = Object.fromEntries(
      readdirSync(join(ROOT, 'schemas'))
        .filter((f) => f.endsWith('.avsc'))
        .map((f) => [f, readFileSync(join(ROOT, 'schemas', f), 'utf8')]),
    );
    expect(configMap('platform-schemas').data).toEqual(schemas);
    // The pipeline resolves schemas/<file> against the parent of its config/ directory.
    const pipelinePath = configMap('platform-env').data.PIPELINE_CONFIG as string;
    expect(pipelinePath).toBe('/etc/platform/config/pipeline.yaml');
    for (const name of Object.keys(APPS)) {
      const mounts = Object.fromEntries(container(name).volumeMounts.map((m: Obj) => [m.mountPath, m.name]));
      expect(mounts).toEqual(expect.objectContaining({ '/etc/platform/config': 'pipeline', '/etc/platform/schemas': 'schemas' }));
    }
  });
});

describe('deploy/compose, deploy/docker and Prometheus agree', () => {
  const compose = parse(readFileSync(join(DEPLOY, 'compose/compose.yaml'), 'utf8'), { merge: true });

  it('compose runs Kafka (apache/kafka, KRaft), the four apps from the platform image, Prometheus and Grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'grafana',
      'ingest-api',
      'kafka',
      'processor',
      'prometheus',
      'schema-registry',
      'sink',
    ]);
    expect(compose.services.kafka.image).toMatch(/^apache\/kafka:4\./);
    expect(compose.services.kafka.environment.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    for (const [name, app] of Object.entries(APPS)) {
      const service = compose.services[name];
      expect(service.build.dockerfile).toBe('deploy/docker/Dockerfile');
      expect(existsSync(resolve(DEPLOY, 'compose', service.build.context, service.build.dockerfile))).toBe(true);
      expect(service.command).toEqual([name]);
      expect(service.environment.KAFKA_BROKERS).toBe('kafka:9092');
      expect(service.ports).toEqual([`${app.port}:${app.port}`]);
      expect(service.healthcheck.test).toEqual(['CMD', 'curl', '-fsS', `http://127.0.0.1:${app.port}${app.ready}`]);
    }
    expect(compose.services['ingest-api'].environment.JWT_SECRET).toMatch(/^\$\{JWT_SECRET:\?/);
    for (const name of Object.keys(APPS)) {
      expect({ name, host: compose.services[name].environment.HOST }).toEqual({ name, host: '0.0.0.0' });
      expect(compose.services[name].environment.SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO).toMatch(
        /^platform:\$\{REGISTRY_PLATFORM_PASSWORD:\?/,
      );
    }
    expect(compose.services['schema-registry'].environment.REGISTRY_USERS).toMatch(
      /^platform:write:\$\{REGISTRY_PLATFORM_PASSWORD:\?.*,admin:admin:\$\{REGISTRY_ADMIN_PASSWORD:\?/,
    );
  });

  it('compose mounts exist: the Prometheus config and the Grafana provisioning and dashboards', () => {
    const mounts = [...compose.services.prometheus.volumes, ...compose.services.grafana.volumes].filter((v: string) => v.startsWith('.'));
    expect(mounts.length).toBe(3);
    for (const mount of mounts) expect(existsSync(resolve(DEPLOY, 'compose', mount.split(':')[0]))).toBe(true);
  });

  it('prometheus.yml scrapes each app at its compose service name and port', () => {
    const config = parse(readFileSync(join(DEPLOY, 'observability/prometheus/prometheus.yml'), 'utf8'));
    const targets = Object.fromEntries(config.scrape_configs.map((s: Obj) => [s.job_name, s.static_configs[0].targets]));
    expect(targets).toEqual(Object.fromEntries(Object.entries(APPS).map(([name, app]) => [name, [`${name}:${app.port}`]])));
  });

  it('the image entrypoint starts each app from its compiled entry, where nest-cli.json and npm run build put it', () => {
    const entrypoint = readFileSync(join(DEPLOY, 'docker/entrypoint.sh'), 'utf8');
    expect(entrypoint).toContain('ingest-api|schema-registry|processor|sink)');
    expect(entrypoint).toContain('exec node --enable-source-maps "dist/apps/$app/src/main.js"');
    expect(entrypoint).not.toContain('register.js');
    const nest = JSON.parse(readFileSync(join(ROOT, 'nest-cli.json'), 'utf8'));
    const tsconfigBuild = JSON.parse(readFileSync(join(ROOT, nest.compilerOptions.tsConfigPath), 'utf8'));
    expect(tsconfigBuild.extends).toBe('./tsconfig.json');
    const outDir = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')).compilerOptions.outDir;
    for (const name of Object.keys(APPS)) {
      const project = nest.projects[name];
      expect(existsSync(join(ROOT, project.sourceRoot, `${project.entryFile}.ts`))).toBe(true);
      // The Nest CLI runs <outDir>/<sourceRoot>/<entryFile>.js: the path the entrypoint runs.
      expect(`${outDir}/${project.sourceRoot}/${project.entryFile}.js`).toBe(`dist/apps/${name}/src/main.js`);
    }
  });

  it('the Dockerfile builds in one stage and runs the staged production tree as a non-root user with a health check', () => {
    const dockerfile = readFileSync(join(DEPLOY, 'docker/Dockerfile'), 'utf8');
    const stages = dockerfile.split(/^FROM /m).slice(1);
    expect(stages.map((stage) => stage.split('\n')[0])).toEqual(['node:20-bookworm-slim AS build', 'node:20-bookworm-slim AS runtime']);
    const [build, runtime] = stages;
    expect(build).toMatch(/^RUN npm ci --no-audit --no-fund$/m);
    expect(build).toContain('npm run build');
    expect(build).toContain('bash scripts/stage-production.sh /prod');
    const staging = readFileSync(join(ROOT, 'scripts/stage-production.sh'), 'utf8');
    expect(staging).toContain('npm ci --omit=dev');
    expect(staging).toContain('patch-package');
    expect(runtime).toContain('COPY --from=build /prod /app');
    expect(runtime).not.toMatch(/npm (ci|install)/);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*CMD \["\/usr\/local\/bin\/platform", "healthcheck"\]$/m);
    expect(readFileSync(join(DEPLOY, 'docker/entrypoint.sh'), 'utf8')).toContain('  healthcheck)');
  });

  it('compose and Kubernetes run the image the Dockerfile builds, tagged with the version in package.json', () => {
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
    for (const name of Object.keys(APPS)) {
      expect({ name, image: compose.services[name].image }).toEqual({ name, image: `event-platform:${version}` });
      expect({ name, image: container(name).image }).toEqual({ name, image: `event-platform:${version}` });
      expect(compose.services[name].build.args).toEqual({ BUILD_COMMIT: '${BUILD_COMMIT:-}' });
    }
    const kustomization = parse(readFileSync(join(K8S, 'kustomization.yaml'), 'utf8'));
    expect(kustomization.images).toEqual([{ name: 'event-platform', newTag: version }]);
  });
});

describe('Grafana provisioning', () => {
  const grafana = join(DEPLOY, 'observability/grafana');
  const datasources = parse(readFileSync(join(grafana, 'provisioning/datasources/prometheus.yaml'), 'utf8')).datasources;
  const provider = parse(readFileSync(join(grafana, 'provisioning/dashboards/platform.yaml'), 'utf8')).providers[0];
  const dashboards = readdirSync(join(grafana, 'dashboards'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ file: f, json: JSON.parse(readFileSync(join(grafana, 'dashboards', f), 'utf8')) }));

  it('provides the four dashboards, each with its own uid, unique panel ids and every query on the provisioned datasource', () => {
    expect(dashboards.map((d) => d.file).sort()).toEqual(['capacity.json', 'errors.json', 'health.json', 'performance.json']);
    expect(new Set(dashboards.map((d) => d.json.uid)).size).toBe(4);
    const uid = datasources.find((d: Obj) => d.type === 'prometheus').uid;
    for (const { file, json } of dashboards) {
      const ids = json.panels.map((p: Obj) => p.id);
      expect({ file, duplicateIds: ids.length - new Set(ids).size }).toEqual({ file, duplicateIds: 0 });
      const sources = json.panels.flatMap((p: Obj) => [p.datasource, ...p.targets.map((t: Obj) => t.datasource)]);
      expect({ file, sources: [...new Set(sources.map((d: Obj) => `${d.type}/${d.uid}`))] }).toEqual({
        file,
        sources: [`prometheus/${uid}`],
      });
    }
  });

  it('loads dashboards from the directory compose mounts them into', () => {
    const compose = parse(readFileSync(join(DEPLOY, 'compose/compose.yaml'), 'utf8'), { merge: true });
    const mount = compose.services.grafana.volumes.find((v: string) => v.startsWith('../observability/grafana/dashboards:'));
    expect(mount.split(':')[1]).toBe(provider.options.path);
    expect(compose.services.grafana.environment.PROMETHEUS_URL).toBe('http://prometheus:9090');
    expect(datasources[0].url).toBe('${PROMETHEUS_URL}');
  });
});

describe('the probe paths answer on the running apps', () => {
  let registry: TestRegistry;
  let api: TestApi | undefined;
  let ops: Server | undefined;

  beforeAll(async () => {
    registry = await ensureRegistry();
  });

  afterAll(async () => {
    await api?.close();
    const topics = api?.pipeline.eventTypes.map((t) => t.topic) ?? [];
    if (topics.length > 0) await withAdmin(testKafka('deploy-cleanup'), (admin) => admin.deleteTopics({ topics })).catch(() => undefined);
    await new Promise<void>((r) => (ops ? ops.close(() => r()) : r()));
    await registry?.close();
  });

  const status = async (url: string) => (await fetch(url, { signal: AbortSignal.timeout(10_000) })).status;

  it('schema registry: its live and ready probe paths answer 200', async () => {
    expect(await status(`${registry.url}${container('schema-registry').livenessProbe.httpGet.path}`)).toBe(200);
    expect(await status(`${registry.url}${container('schema-registry').readinessProbe.httpGet.path}`)).toBe(200);
  });

  it('ingest API: its live and ready probe paths answer 200 once Kafka and the registry are reachable', async () => {
    api = await startTestApi();
    expect(await status(`${api.url}${container('ingest-api').livenessProbe.httpGet.path}`)).toBe(200);
    expect(await status(`${api.url}${container('ingest-api').readinessProbe.httpGet.path}`)).toBe(200);
  });

  it('processor and sink: the ops server they run answers their probe paths', async () => {
    ops = await startOpsServer(0, '127.0.0.1');
    const base = `http://127.0.0.1:${(ops.address() as AddressInfo).port}`;
    for (const name of ['processor', 'sink']) {
      expect(await status(`${base}${container(name).livenessProbe.httpGet.path}`)).toBe(200);
      expect(await status(`${base}${container(name).readinessProbe.httpGet.path}`)).toBe(200);
    }
    expect(await status(`${base}/no-such-path`)).toBe(404);
  });
});
