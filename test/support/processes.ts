/**
 * The processes tests, chaos runs and benchmarks start, kill with SIGKILL, and restart: the apps (one
 * way to spawn them, `spawnApp`) and private brokers.
 */
import { ChildProcess, execFile, spawn, StdioOptions } from 'child_process';
import { appendFileSync, closeSync, openSync, readFileSync } from 'fs';
import { join, resolve } from 'path';
import { promisify } from 'util';

const ROOT = resolve(__dirname, '../..');
const run = promisify(execFile);

/**
 * How an app is started: by default its TypeScript entry from the sources (`node -r scripts/register.js
 * <entry>`); with `production`, the image's entrypoint (deploy/docker/entrypoint.sh <app>) on a
 * production tree staged by scripts/stage-production.sh, which runs the compiled output.
 */
export interface Launch {
  production?: { tree: string };
  /** Another checkout whose sources to run (a benchmark comparing builds); this one by default. */
  sources?: string;
}

/** The four services, by the name of their directory under apps/ (and of the image's entrypoint argument). */
export type ServiceName = 'schema-registry' | 'ingest-api' | 'processor' | 'sink';

export interface SpawnOptions extends Launch {
  /** Added to this process's environment. */
  env?: Record<string, string | undefined>;
  /** Pipes by default. */
  stdio?: StdioOptions;
}

/** Starts one app as a child process: its sources through scripts/register.js, or a production tree's compiled output. */
export function spawnApp(app: ServiceName, options: SpawnOptions = {}): ChildProcess {
  const tree = options.production?.tree;
  const sources = options.sources ?? ROOT;
  const [command, args] = tree ? ['sh', [join(ROOT, 'deploy/docker/entrypoint.sh'), app]] : [process.execPath, ['-r', join(sources, 'scripts/register.js'), join(sources, 'apps', app, 'src/main.ts')]];
  return spawn(command, args, {
    cwd: tree ?? sources,
    env: { ...process.env, ...(tree ? { PLATFORM_HOME: tree, NODE_ENV: 'production' } : {}), ...options.env },
    stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs an app until it exits (SIGKILL after `timeoutMs`): its exit code and everything it printed. */
export function runAppToExit(app: ServiceName, env: Record<string, string | undefined>, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawnApp(app, { env });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

export class AppProcess {
  private child?: ChildProcess;
  private expectedExit = false;
  starts = 0;
  kills = 0;
  unexpectedExits = 0;

  constructor(
    readonly name: ServiceName,
    private env: Record<string, string>,
    private readonly logDir: string,
    private readonly readyUrl: string,
    private readonly launch: Launch = {},
    /** This instance's name in logs and reports (the app's name unless it is a second instance). */
    readonly label: string = name,
  ) {}

  /** Another instance of this app (same launch and environment but `overrides`), not started. */
  replica(label: string, overrides: Record<string, string>, readyUrl: string): AppProcess {
    return new AppProcess(this.name, { ...this.env, ...overrides }, this.logDir, readyUrl, this.launch, label);
  }

  /** More environment for the next start (e.g. the Kafka credentials once the cluster made them). */
  addEnv(extra: Record<string, string>): void {
    this.env = { ...this.env, ...extra };
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(timeoutMs = 90_000): Promise<void> {
    const logPath = join(this.logDir, `${this.label}.log`);
    appendFileSync(logPath, `\n=== start ${new Date().toISOString()}\n`);
    this.expectedExit = false;
    // The app writes its log straight to the file: through a pipe, a busy parent that drains it late
    // would block the app's own writes (stdout to a pipe is synchronous on Linux), and with them its
    // event loop, in the middle of the faults a run measures.
    const fd = openSync(logPath, 'a');
    let child: ChildProcess;
    try {
      child = spawnApp(this.name, { ...this.launch, env: this.env, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    child.on('exit', (code, signal) => {
      appendFileSync(logPath, `=== exit code=${code} signal=${signal}\n`);
      if (!this.expectedExit) this.unexpectedExits++;
    });
    this.child = child;
    this.starts++;
    await waitForUrl(this.readyUrl, timeoutMs, () => child.exitCode !== null || child.signalCode !== null, this.label);
  }

  /** Resident set size of the running process in MiB (Linux /proc), undefined when not running. */
  rssMiB(): number | undefined {
    if (!this.child?.pid || this.child.exitCode !== null) return undefined;
    try {
      const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      const match = /VmRSS:\s+(\d+) kB/.exec(status);
      return match ? Math.round(Number(match[1]) / 102.4) / 10 : undefined;
    } catch {
      return undefined;
    }
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed. */
  async kill9(): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    this.expectedExit = true;
    this.kills++;
    const exited = new Promise((r) => this.child!.once('exit', r));
    this.child.kill('SIGKILL');
    await exited;
  }

  /** SIGTERM and wait: the app drains, flushes and commits. */
  async stop(timeoutMs = 60_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.expectedExit = true;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  /** Restarts the app if it died on its own (counted as an unexpected exit). */
  async reviveIfDead(): Promise<boolean> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return false;
    await this.start();
    return true;
  }
}

async function waitForUrl(url: string, timeoutMs: number, died: () => boolean, name: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (died()) throw new Error(`${name} exited during start`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} was not ready at ${url} within ${timeoutMs} ms`);
}

/** A private single-node broker (deploy/local/kafka.sh with its own ports and data directory). */
export class PrivateBroker {
  restarts = 0;
  constructor(readonly port: number, private readonly controllerPort: number, private readonly dataDir: string) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  private async script(command: 'start' | 'stop'): Promise<void> {
    await run('bash', [join(ROOT, 'deploy/local/kafka.sh'), command], {
      cwd: ROOT,
      env: { ...process.env, KAFKA_PORT: String(this.port), KAFKA_CONTROLLER_PORT: String(this.controllerPort), KAFKA_DATA_DIR: this.dataDir },
      maxBuffer: 16 * 1024 * 1024,
    });
  }

  start(): Promise<void> {
    return this.script('start');
  }

  stop(): Promise<void> {
    return this.script('stop');
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
    this.restarts++;
  }
}

/** The apps' Kafka users on the secured cluster (deploy/local/kafka-cluster.sh --secure). */
export type ClusterUser = 'admin' | 'ingest' | 'registry' | 'processor' | 'sink' | 'guest';

/**
 * A private 3-node cluster (deploy/local/kafka-cluster.sh with its own ports and data directory):
 * replication 3, min ISR 2, optionally SASL_SSL with one SCRAM user per app and ACLs.
 */
export class PrivateCluster {
  restarts = 0;
  constructor(
    readonly basePort: number,
    private readonly dataDir: string,
    readonly secure: boolean,
  ) {}

  get address(): string {
    return [0, 1, 2].map((i) => `127.0.0.1:${this.basePort + i}`).join(',');
  }

  nodeAddress(node: number): string {
    return `127.0.0.1:${this.basePort + node - 1}`;
  }

  private async script(...args: string[]): Promise<string> {
    const { stdout } = await run('bash', [join(ROOT, 'deploy/local/kafka-cluster.sh'), ...args], {
      cwd: ROOT,
      env: { ...process.env, KAFKA_CLUSTER_PORT: String(this.basePort), KAFKA_CLUSTER_DIR: this.dataDir },
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  }

  async start(): Promise<void> {
    await this.script('start', ...(this.secure ? ['--secure'] : []));
  }

  async stop(): Promise<void> {
    await this.script('stop');
  }

  /** kill -9 of one node. */
  async kill(node: number): Promise<void> {
    await this.script('kill', String(node));
  }

  async startNode(node: number): Promise<void> {
    await this.script('start-node', String(node));
  }

  /** The node leading most partitions of `topic`, or the leader of one `partition` of it. */
  async leader(topic: string, partition?: number): Promise<number> {
    return Number((await this.script('leader', topic, ...(partition === undefined ? [] : [String(partition)]))).trim());
  }

  /** The node acting as transaction coordinator for `transactionalId` (the leader of its __transaction_state partition). */
  async transactionCoordinator(transactionalId: string): Promise<number> {
    return this.leader('__transaction_state', transactionStatePartition(transactionalId, TRANSACTION_STATE_PARTITIONS));
  }

  /** A rolling restart: each node stopped and started again, one at a time. */
  async restart(): Promise<void> {
    for (const node of [1, 2, 3]) {
      await this.script('stop-node', String(node));
      await this.startNode(node);
    }
    this.restarts++;
  }

  /** The KAFKA_* variables of `user` (what `kafka-cluster.sh env USER` prints). */
  async clientEnv(user: ClusterUser): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const line of (await this.script('env', user)).split('\n')) {
      const match = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
      if (match) out[match[1]] = match[2];
    }
    return out;
  }
}

/** transaction.state.log.num.partitions of deploy/local/kafka-cluster.sh. */
const TRANSACTION_STATE_PARTITIONS = 12;

/** Kafka's choice of __transaction_state partition: the id's Java String hashCode, sign bit cleared, modulo the count. */
export function transactionStatePartition(transactionalId: string, partitions: number): number {
  let hash = 0;
  for (let i = 0; i < transactionalId.length; i++) hash = (Math.imul(31, hash) + transactionalId.charCodeAt(i)) | 0;
  return (hash & 0x7fffffff) % partitions;
}
