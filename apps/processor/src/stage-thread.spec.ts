import { PipelineConfig, createLogger, processMetrics } from '@platform/runtime';
import { loadProcessorConfig } from './config';
import { startStageThread } from './stage-thread';

const fixture = require.resolve('./stage-thread.fixture.ts');

function start(name: string, onFatal?: (error: Error) => void, env: Record<string, string> = {}) {
  return startStageThread({
    config: loadProcessorConfig({ PROCESSOR_STAGES: 'a', ...env }),
    pipeline: {} as PipelineConfig,
    logger: createLogger('processor', 'silent'),
    onFatal,
    entry: { file: fixture, name },
  });
}

/** The error the thread reported as fatal; the thread is stopped afterwards, as the process's shutdown would. */
async function fatalOf(name: string): Promise<Error> {
  let onFatal: (error: Error) => void = () => undefined;
  const fatal = new Promise<Error>((resolve) => (onFatal = resolve));
  const thread = await start(name, onFatal);
  try {
    return await fatal;
  } finally {
    await thread.stop();
  }
}

describe('a stage on its own thread (fake processors on the thread)', () => {
  it('starts, serves its metrics with the process, and stops', async () => {
    const thread = await start('startsAndCounts');
    expect(thread.running()).toBe(true);
    expect(await processMetrics()).toContain('processor_records_in_total{topic="events.fake"} 3');
    await thread.stop();
    expect(thread.running()).toBe(false);
    expect(await processMetrics()).not.toContain('events.fake');
  });

  it('fails to start with the cause its start failed with, so a retriable one is retried', async () => {
    const failure = await start('failsToStart').then(
      () => undefined,
      (error: unknown) => error as Error & { retriable?: boolean; code?: string },
    );
    expect(failure).toMatchObject({
      name: 'KafkaJSConnectionError',
      message: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092',
      retriable: true,
      code: 'ECONNREFUSED',
    });
  });

  it('gets the secrets its config hides (a SASL password is not enumerable, so a plain clone drops it)', async () => {
    const sasl = {
      KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'processor',
      KAFKA_SASL_PASSWORD: 'thread-secret',
    };
    const thread = await start('needsItsPassword', undefined, sasl);
    await thread.stop();
  });

  it('reports a stage that cannot continue as fatal', async () => {
    expect((await fatalOf('failsLater')).message).toBe('the consumer stopped: TOPIC_AUTHORIZATION_FAILED');
  });

  it('reports a thread that died as fatal', async () => {
    expect((await fatalOf('crashesLater')).message).toBe('unexpected');
  });
});
