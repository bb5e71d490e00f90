/**
 * The entry points as a supervisor sees them: invalid configuration exits with status 2 and the
 * problem on stderr before anything is started; a failure while starting logs a fatal line and exits
 * with status 1; a dependency not reachable yet is waited for in place (START_RETRY_TIMEOUT).
 */
import { ChildProcess } from 'child_process';
import { connect, createServer, Server } from 'net';
import { runAppToExit, spawnApp } from '../support/processes';

function runMain(app: 'processor' | 'sink', env: Record<string, string>) {
  return runAppToExit(app, { LOG_LEVEL: 'info', ...env });
}

function listen(): Promise<Server> {
  return new Promise((resolveServer, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '0.0.0.0', () => resolveServer(server));
  });
}

/** A port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = await listen();
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

function logLines(stdout: string): Array<{ level: string; msg: string; err?: unknown }> {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

/** Resolves with the first JSON log line `match` accepts (rejects when the process exits first). */
function logLine(child: ChildProcess, match: (entry: { level: string; msg: string }) => boolean): Promise<{ level: string; msg: string }> {
  return new Promise((resolveLine, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      const found = logLines(lines.join('\n')).find(match);
      if (found) {
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
        resolveLine(found);
      }
    };
    const onExit = (code: number | null) => reject(new Error(`exited with ${code} before the expected log line`));
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Forwards connections on `port` to the broker: the bootstrap address only, metadata names the broker itself. */
function brokerProxy(port: number): Promise<Server> {
  const [host, brokerPort] = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')[0].split(':');
  const proxy = createServer((client) => {
    const upstream = connect(Number(brokerPort), host);
    client.pipe(upstream).pipe(client);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  return new Promise((resolveProxy, reject) => {
    proxy.once('error', reject);
    proxy.listen(port, '127.0.0.1', () => resolveProxy(proxy));
  });
}

describe('service entry points (processor, sink, schema registry)', () => {
  it('processor: an invalid variable exits with status 2 and names it on stderr', async () => {
    const run = await runMain('processor', { PROCESSOR_OPS_PORT: 'not-a-port' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Invalid configuration:\n  - PROCESSOR_OPS_PORT must be an integer, got "not-a-port"');
    expect(run.stdout).not.toContain('processor ready');
  });

  it('sink: missing required variables exit with status 2 and are named on stderr', async () => {
    const run = await runMain('sink', { WAREHOUSE: 'snowflake', SNOWFLAKE_ACCOUNT: '', SNOWFLAKE_USER: '', SNOWFLAKE_DATABASE: '', SNOWFLAKE_WAREHOUSE: '' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Invalid configuration:');
    expect(run.stderr).toContain('SNOWFLAKE_ACCOUNT is required');
    expect(run.stderr).toContain('SNOWFLAKE_WAREHOUSE is required');
    expect(run.stdout).not.toContain('sink ready');
  });

  it('processor: an ops port already in use is a start failure: fatal log, status 1', async () => {
    const taken = await listen();
    try {
      const port = String((taken.address() as { port: number }).port);
      const run = await runMain('processor', { PROCESSOR_OPS_PORT: port });
      expect(run.code).toBe(1);
      const fatal = run.stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line))
        .find((entry) => entry.level === 'fatal');
      expect(fatal).toMatchObject({ app: 'processor', msg: 'processor failed to start' });
      expect(JSON.stringify(fatal.err)).toContain('EADDRINUSE');
    } finally {
      await new Promise((done) => taken.close(done));
    }
  });

  it('processor: an invalid START_RETRY_TIMEOUT exits with status 2 and names it on stderr', async () => {
    const run = await runMain('processor', { START_RETRY_TIMEOUT: 'soon' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('START_RETRY_TIMEOUT must be a duration like 500ms, 5s, 1m, got "soon"');
  });

  it('processor: a registry not reachable is retried with a warning per attempt, then exits 1 naming START_RETRY_TIMEOUT', async () => {
    const run = await runMain('processor', {
      SCHEMA_REGISTRY_URL: `http://127.0.0.1:${await closedPort()}`,
      START_RETRY_TIMEOUT: '3s',
      PROCESSOR_OPS_PORT: String(await closedPort()),
    });
    expect(run.code).toBe(1);
    const lines = logLines(run.stdout);
    const retries = lines.filter((entry) => entry.level === 'warn' && /^processor could not start \(.+\); retrying$/.test(entry.msg));
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(lines.find((entry) => entry.level === 'fatal')?.msg).toMatch(/^processor could not start within START_RETRY_TIMEOUT \(3000 ms, \d+ attempts\): /);
    expect(lines.some((entry) => entry.msg === 'processor ready')).toBe(false);
  }, 30_000);

  it('schema registry: Kafka not reachable at first is waited for in place; it starts once Kafka answers', async () => {
    const port = await closedPort();
    const child = spawnApp('schema-registry', {
      env: { LOG_LEVEL: 'info', KAFKA_BROKERS: `127.0.0.1:${port}`, REGISTRY_AUTH: 'none', PORT: '0', SCHEMAS_TOPIC: `_schemas-start-retry-${Date.now()}`, START_RETRY_TIMEOUT: '2m' },
    });
    const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
    let proxy: Server | undefined;
    try {
      const warning = await logLine(child, (entry) => entry.level === 'warn' && entry.msg.startsWith('schema-registry could not start'));
      expect(warning.msg).toMatch(/ECONNREFUSED|Connection error/);
      proxy = await brokerProxy(port);
      await logLine(child, (entry) => entry.msg === 'schema-registry ready');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await new Promise((done) => (proxy ? proxy.close(done) : done(undefined)));
    }
  }, 90_000);
});

