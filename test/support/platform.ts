/**
 * A private copy of the whole platform for chaos runs, soaks, end-to-end benchmarks and the production
 * build's test: its own broker (ports basePort+92/+93; or a shared one, on private topics), registry (+81), ingest API (+0), processor (ops +101) and sink
 * (ops +102) into a private PostgreSQL database and a local lake, on a private pipeline copy.
 * Nothing it does touches the development stack on the standard ports.
 */
import { randomBytes } from 'crypto';
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { Client } from 'pg';
import { parse, stringify } from 'yaml';
import { signToken } from '@platform/auth';
import { loadPipelineConfig, PipelineConfig } from '@platform/runtime';
import { createKafka, withAdmin } from '@platform/kafka';
import { tempDir, uniqueName, writeTestPipeline } from './index';
import { AppProcess, ClusterUser, PrivateBroker, PrivateCluster } from './processes';

export interface PlatformOptions {
  basePort: number;
  /** Pipeline overrides: watermark settings merged into the copy of config/pipeline.yaml. */
  watermark?: Record<string, string>;
  /** Pipeline override: how long event ids are remembered for deduplication (e.g. '2m'). */
  dedupeTtl?: string;
  ingestEnv?: Record<string, string>;
  sinkEnv?: Record<string, string>;
  processorEnv?: Record<string, string>;
  /** Use this running broker (host:port list) instead of starting a private one. */
  sharedBrokers?: string;
  /** Run the compiled apps of this production tree (scripts/stage-production.sh) instead of the sources. */
  productionTree?: string;
  /**
   * Run on a private 3-node cluster (kafka-cluster.sh, ports basePort+110..+118) instead of a single
   * broker; `secure`: SASL_SSL, each app with its own SCRAM user and ACLs.
   */
  cluster?: { secure: boolean };
  /**
   * Instances of the ingest API, processor and sink (1 or 2). The second ones run in the same groups
   * (ports: API +1, processor ops +103, sink ops +104), and the APIs share Redis for idempotency and throttling.
   */
  instances?: 1 | 2;
}

// The API checks issuer and audience, as it must in production (NODE_ENV=production, the compiled tree).
const TOKEN_ISSUER = 'private-platform';
const TOKEN_AUDIENCE = 'event-platform';

/** The Kafka user each app runs as on the secured cluster. */
const APP_USERS: Record<AppName, ClusterUser> = { registry: 'registry', processor: 'processor', sink: 'sink', ingest: 'ingest' };

export type AppName = 'registry' | 'processor' | 'sink' | 'ingest';

export class PrivatePlatform {
  readonly workDir = tempDir('platform');
  readonly suffix = uniqueName('p').replace(/[^a-z0-9]/gi, '');
  readonly database = `platform_${this.suffix}`.toLowerCase().slice(0, 60);
  readonly pipelinePath: string;
  readonly pipeline: PipelineConfig;
  readonly broker: PrivateBroker | PrivateCluster;
  readonly apps: Record<AppName, AppProcess>;
  /** The second instances of the ingest API, processor and sink, when `instances` is 2. */
  readonly replicas: Partial<Record<Exclude<AppName, 'registry'>, AppProcess>> = {};
  readonly lakeDir = join(this.workDir, 'lake');
  readonly schemasTopic: string;
  get processorGroup(): string {
    return `processor-${this.suffix}`;
  }
  private readonly secret = randomBytes(24).toString('hex');
  private readonly registryPassword = randomBytes(18).toString('base64url');
  private readonly admin = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' });
  private databaseCreated = false;

  constructor(private readonly options: PlatformOptions) {
    this.pipelinePath = writeTestPipeline({ dir: this.workDir, suffix: this.suffix, partitions: 6 });
    if (options.watermark || options.dedupeTtl) {
      const doc = parse(readFileSync(this.pipelinePath, 'utf8'));
      if (options.watermark) doc.watermark = { ...doc.watermark, ...options.watermark };
      if (options.dedupeTtl) doc.dedupe = { ...doc.dedupe, ttl: options.dedupeTtl };
      writeFileSync(this.pipelinePath, stringify(doc));
    }
    this.pipeline = loadPipelineConfig(this.pipelinePath);
    const port = (offset: number) => String(options.basePort + offset);
    this.broker = options.cluster
      ? new PrivateCluster(options.basePort + 110, join(this.workDir, 'kafka-cluster'), options.cluster.secure)
      : new PrivateBroker(options.basePort + 92, options.basePort + 93, join(this.workDir, 'kafka'));
    // On a shared broker every topic of this copy carries the suffix, the registry's schemas topic too.
    this.schemasTopic = options.sharedBrokers ? `_schemas.${this.suffix}` : '_schemas';
    const launch = options.productionTree ? { production: { tree: options.productionTree } } : {};
    const common = {
      KAFKA_BROKERS: options.sharedBrokers ?? this.broker.address,
      SCHEMA_REGISTRY_URL: `http://127.0.0.1:${port(81)}`,
      SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: `platform:${this.registryPassword}`,
      PIPELINE_CONFIG: this.pipelinePath,
      LOG_LEVEL: 'warn',
      DATA_DIR: this.workDir,
      // Chaos and soak runs end with an event 45 minutes ahead that closes every window.
      EVENT_TIME_MAX_FUTURE_SKEW: '2h',
    };
    const dir = this.workDir;
    this.apps = {
      registry: new AppProcess(
        'schema-registry',
        { ...common, PORT: port(81), SCHEMAS_TOPIC: this.schemasTopic, REGISTRY_USERS: `platform:admin:${this.registryPassword}` },
        dir,
        `http://127.0.0.1:${port(81)}/health/ready`,
        launch,
      ),
      processor: new AppProcess(
        'processor',
        { ...common, PROCESSOR_GROUP: this.processorGroup, PROCESSOR_OPS_PORT: port(101), ...options.processorEnv },
        dir,
        `http://127.0.0.1:${port(101)}/health/live`,
        launch,
      ),
      sink: new AppProcess(
        'sink',
        {
          ...common,
          WAREHOUSE: 'postgres',
          WAREHOUSE_URL: `postgres://postgres@127.0.0.1:5432/${this.database}`,
          LAKE_DIR: this.lakeDir,
          SINK_WAREHOUSE_GROUP: `sink-warehouse-${this.suffix}`,
          SINK_LAKE_GROUP: `sink-lake-${this.suffix}`,
          SINK_OPS_PORT: port(102),
          ...options.sinkEnv,
        },
        dir,
        `http://127.0.0.1:${port(102)}/health/live`,
        launch,
      ),
      ingest: new AppProcess(
        'ingest-api',
        {
          ...common,
          PORT: port(0),
          HOST: '127.0.0.1',
          JWT_SECRET: this.secret,
          JWT_ISSUER: TOKEN_ISSUER,
          JWT_AUDIENCE: TOKEN_AUDIENCE,
          THROTTLE_LIMIT: '1000000',
          ...options.ingestEnv,
        },
        dir,
        `http://127.0.0.1:${port(0)}/api/v1/health/ready`,
        launch,
      ),
    };
    if (options.instances === 2) this.addReplicas(port);
  }

  /** Second instances in the same consumer groups; both APIs share one Redis so an event_id is claimed once. */
  private addReplicas(port: (offset: number) => string): void {
    const shared = { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `${this.suffix}:` };
    this.apps.ingest.addEnv(shared);
    const replica = (app: AppProcess, env: Record<string, string>, readyUrl: string) => app.replica(`${app.label}-2`, env, readyUrl);
    this.replicas.ingest = replica(
      this.apps.ingest,
      { PORT: port(1), DATA_DIR: join(this.workDir, 'ingest-2') },
      `http://127.0.0.1:${port(1)}/api/v1/health/ready`,
    );
    this.replicas.processor = replica(
      this.apps.processor,
      { PROCESSOR_OPS_PORT: port(103), DATA_DIR: join(this.workDir, 'processor-2') },
      `http://127.0.0.1:${port(103)}/health/live`,
    );
    this.replicas.sink = replica(
      this.apps.sink,
      { SINK_OPS_PORT: port(104), DATA_DIR: join(this.workDir, 'sink-2') },
      `http://127.0.0.1:${port(104)}/health/live`,
    );
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.options.basePort}`;
  }

  /** Every ingest API instance's base URL. */
  get apiUrls(): string[] {
    return this.replicas.ingest ? [this.apiUrl, `http://127.0.0.1:${this.options.basePort + 1}`] : [this.apiUrl];
  }

  /** The /metrics URL of every processor instance. */
  processorMetricsUrls(): string[] {
    const ports = this.replicas.processor ? [101, 103] : [101];
    return ports.map((offset) => `http://127.0.0.1:${this.options.basePort + offset}/metrics`);
  }

  /** Every app process, second instances included. */
  allApps(): AppProcess[] {
    return [...Object.values(this.apps), ...Object.values(this.replicas)];
  }

  /** The instances of one app. */
  instancesOf(name: AppName): AppProcess[] {
    const replica = name === 'registry' ? undefined : this.replicas[name];
    return replica ? [this.apps[name], replica] : [this.apps[name]];
  }

  get warehouseConnection(): { host: string; port: number; user: string; database: string } {
    return { host: '127.0.0.1', port: 5432, user: 'postgres', database: this.database };
  }

  token(scopes = ['events:*']): string {
    return signToken(this.secret, {
      subject: 'platform-runner',
      scopes,
      expiresInSeconds: 3 * 3600,
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
    });
  }

  async start(): Promise<void> {
    if (!this.options.sharedBrokers) await this.broker.start();
    if (this.broker instanceof PrivateCluster) {
      for (const name of Object.keys(this.apps) as AppName[]) {
        const credentials = await this.broker.clientEnv(APP_USERS[name]);
        for (const app of this.instancesOf(name)) app.addEnv(credentials);
      }
    }
    await this.admin.connect();
    await this.admin.query(`CREATE DATABASE ${this.database}`);
    this.databaseCreated = true;
    for (const name of ['registry', 'processor', 'sink', 'ingest'] as const) for (const app of this.instancesOf(name)) await app.start();
  }

  /** Restarts any app that died on its own; returns how many it restarted. */
  async reviveDead(): Promise<number> {
    let revived = 0;
    for (const app of this.allApps()) if (await app.reviveIfDead().catch(() => false)) revived++;
    return revived;
  }

  unexpectedExits(): number {
    return this.allApps().reduce((n, app) => n + app.unexpectedExits, 0);
  }

  /** On a shared broker: deletes the topics of this copy (each name carries its suffix). */
  private async deleteOwnTopics(): Promise<void> {
    const kafka = createKafka({ clientId: `${this.suffix}-cleanup`, brokers: this.options.sharedBrokers!.split(',') });
    await withAdmin(kafka, async (admin) => {
      const topics = (await admin.listTopics()).filter((topic) => topic.includes(this.suffix));
      if (topics.length > 0) await admin.deleteTopics({ topics });
    });
  }

  /** Graceful stop of everything; drops the database only when asked (keep it to inspect a failure). */
  async stop(dropDatabase: boolean): Promise<void> {
    for (const name of ['ingest', 'processor', 'sink', 'registry'] as const) {
      for (const app of this.instancesOf(name)) {
        await app.stop().catch(() => undefined);
      }
    }
    if (this.options.sharedBrokers) await this.deleteOwnTopics().catch(() => undefined);
    else await this.broker.stop().catch(() => undefined);
    if (this.databaseCreated && dropDatabase)
      await this.admin.query(`DROP DATABASE IF EXISTS ${this.database} WITH (FORCE)`).catch(() => undefined);
    await this.admin.end().catch(() => undefined);
  }
}
