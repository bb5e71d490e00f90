/**
 * Access failures on the secured cluster (kafka-cluster.sh --secure) are clear and final: a wrong
 * password is an authentication error naming the settings, a principal without ACLs gets an
 * authorization error naming what is missing, and an app started with either stops with that message
 * (exit status 1) instead of retrying forever. Passwords never appear in what the app prints.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { createIdempotentProducer, createKafka, KafkaAccessError, kafkaSettingsFromEnv, withAdmin } from '@platform/kafka';
import { PrivateCluster, runAppToExit, ServiceName } from '../support/processes';

const dir = mkdtempSync(join(tmpdir(), 'access-errors-'));

/** Runs an app to its exit (bounded): its exit code and everything it printed. */
async function runApp(app: ServiceName, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const { code, stdout, stderr } = await runAppToExit(app, env);
  return { code, output: stdout + stderr };
}

describe('secured cluster: wrong password and missing ACL', () => {
  const cluster = new PrivateCluster(29500, join(dir, 'cluster'), true);
  let wrongPassword: Record<string, string>;
  let guest: Record<string, string>;

  beforeAll(async () => {
    await cluster.start();
    const passwordFile = join(dir, 'wrong.password');
    writeFileSync(passwordFile, 'not-the-password-4711\n');
    wrongPassword = { ...(await cluster.clientEnv('processor')), KAFKA_SASL_PASSWORD_FILE: passwordFile };
    guest = await cluster.clientEnv('guest');
  }, 240_000);

  afterAll(async () => {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('a wrong password is an authentication error naming the settings, at once', async () => {
    const kafka = createKafka(kafkaSettingsFromEnv('wrong-password', wrongPassword));
    const started = Date.now();
    const error = await withAdmin(kafka, (admin) => admin.listTopics()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KafkaAccessError);
    expect((error as KafkaAccessError).reason).toBe('authentication');
    expect((error as Error).message).toMatch(/KAFKA_SASL_PASSWORD/);
    expect((error as Error).message).not.toContain('not-the-password-4711');
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 60_000);

  it('a principal without ACLs gets an authorization error naming what is missing', async () => {
    const kafka = createKafka(kafkaSettingsFromEnv('guest', guest));
    const producer = createIdempotentProducer(kafka);
    const error = await producer.connect().then(
      () => producer.send({ topic: 'events.clickstream', acks: -1, messages: [{ value: 'x' }] }),
    ).catch((e: unknown) => e);
    await producer.disconnect().catch(() => undefined);
    expect(error).toBeInstanceOf(KafkaAccessError);
    expect((error as KafkaAccessError).reason).toMatch(/authorization/);
    expect((error as Error).message).toMatch(/Kafka authorization failed \((CLUSTER|TOPIC)_AUTHORIZATION_FAILED\)/);
  }, 60_000);

  it('the processor started with a wrong password stops with the cause instead of retrying', async () => {
    const { code, output } = await runApp('processor', { ...wrongPassword, PROCESSOR_OPS_PORT: '0', LOG_LEVEL: 'info', PROCESSOR_GROUP: 'processor-access-test' });
    expect(code).toBe(1);
    expect(output).toMatch(/Kafka authentication failed/);
    expect(output).not.toContain('not-the-password-4711');
  }, 90_000);

  it('the ingest API run as a principal without ACLs stops with the authorization error', async () => {
    const { code, output } = await runApp('ingest-api', { ...guest, PORT: '29580', HOST: '127.0.0.1', JWT_SECRET: 'access-test-secret-0123456789abcdef', LOG_LEVEL: 'info' });
    expect(code).toBe(1);
    expect(output).toMatch(/Kafka authorization failed/);
  }, 90_000);
});
