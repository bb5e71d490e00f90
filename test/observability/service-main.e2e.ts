/**
 * The processor and sink entry points as a supervisor sees them: invalid configuration exits with
 * status 2 and the problem on stderr before anything is started; a failure while starting logs a
 * fatal line and exits with status 1.
 */
import { createServer, Server } from 'net';
import { runAppToExit } from '../support/processes';

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

describe('service entry points (processor, sink)', () => {
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
});
