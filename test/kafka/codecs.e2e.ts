/**
 * Every compression codec, real broker, both directions with Kafka's own Java clients:
 * - batches written by Kafka's console producer with --compression-codec gzip/snappy/lz4/zstd are read
 *   by our two consumer paths: a group consumer (createConsumer: processor, sink, registry, /latest,
 *   the WebSocket stream) and readTopicToEnd (DLQ tools, changelog and reference restores);
 * - batches our producers compress with each codec (KAFKA_COMPRESSION) are read by Kafka's console consumer.
 */
import { execFile, spawn } from 'child_process';
import { resolve } from 'path';
import { promisify } from 'util';
import { Kafka } from 'kafkajs';
import { CompressionCodec } from '@platform/runtime';
import { createConsumer, createIdempotentProducer, createKafka, ensureTopics, readTopicToEnd, withAdmin } from '@platform/kafka';
import { TEST_BROKERS, testKafka, uniqueName } from '@test/support';

const ROOT = resolve(__dirname, '../..');
const KAFKA_SH = resolve(ROOT, 'deploy/local/kafka.sh');
const CODECS: CompressionCodec[] = ['gzip', 'snappy', 'lz4', 'zstd'];
const RECORDS = 300;

/** Kafka's console producer, one record per line ("key:value"), compressed with `codec`. */
function consoleProduce(topic: string, codec: string, lines: string[]): Promise<void> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(
      'bash',
      [
        KAFKA_SH,
        'tool',
        'console-producer',
        '--bootstrap-server',
        TEST_BROKERS[0],
        '--topic',
        topic,
        '--compression-codec',
        codec,
        '--property',
        'parse.key=true',
        '--property',
        'key.separator=:',
        '--producer-property',
        'linger.ms=50',
      ],
      {
        stdio: ['pipe', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.on('exit', (code) =>
      code === 0 ? resolveRun() : reject(new Error(`console producer (${codec}) exited ${code}: ${stderr.slice(-2000)}`)),
    );
    child.stdin.end(lines.join('\n') + '\n');
  });
}

async function consoleConsume(topic: string, count: number): Promise<string[]> {
  const { stdout } = await promisify(execFile)(
    'bash',
    [
      KAFKA_SH,
      'tool',
      'console-consumer',
      '--bootstrap-server',
      TEST_BROKERS[0],
      '--topic',
      topic,
      '--from-beginning',
      '--max-messages',
      String(count),
      '--timeout-ms',
      '60000',
      '--isolation-level',
      'read_committed',
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout.split('\n').filter(Boolean);
}

describe('compression codecs, real broker, Kafka Java clients on the other side', () => {
  let kafka: Kafka;
  const topics: string[] = [];

  beforeAll(() => {
    kafka = testKafka('codecs-e2e');
  });

  afterAll(async () => {
    if (topics.length > 0) await withAdmin(kafka, (admin) => admin.deleteTopics({ topics })).catch(() => undefined);
  });

  async function topic(codec: string): Promise<string> {
    const name = uniqueName(`codecs-${codec}`);
    await withAdmin(kafka, (admin) => ensureTopics(admin, [{ topic: name, numPartitions: 2, compacted: false }]));
    topics.push(name);
    return name;
  }

  it.each(CODECS)(
    'reads %s batches written by the console producer, with a group consumer and readTopicToEnd',
    async (codec) => {
      const name = await topic(codec);
      const expected = Array.from({ length: RECORDS }, (_, i) => `key-${i % 17}:${codec}-value-${i}-${'x'.repeat(i % 50)}`);
      await consoleProduce(name, codec, expected);
      const values = (pairs: string[]) => pairs.map((line) => line.slice(line.indexOf(':') + 1)).sort();

      const readToEnd = await readTopicToEnd(kafka, name, { timeoutMs: 30_000 });
      expect(values(readToEnd.map(({ message }) => `${message.key}:${message.value}`))).toEqual(values(expected));

      const consumer = createConsumer(kafka, uniqueName(`codecs-${codec}-group`), { maxWaitTimeInMs: 100 });
      const seen: string[] = [];
      let crashed: Error | undefined;
      consumer.on(consumer.events.CRASH, ({ payload }) => (crashed = payload.error));
      try {
        await consumer.connect();
        await consumer.subscribe({ topics: [name], fromBeginning: true });
        const done = new Promise<void>((resolveDone, reject) => {
          const timer = setTimeout(
            () =>
              reject(
                new Error(`read ${seen.length} of ${RECORDS} ${codec} records${crashed ? `; consumer crashed: ${crashed.message}` : ''}`),
              ),
            30_000,
          );
          void consumer.run({
            eachMessage: async ({ message }) => {
              seen.push(`${message.key}:${message.value}`);
              if (seen.length === RECORDS) {
                clearTimeout(timer);
                resolveDone();
              }
            },
          });
        });
        await done;
      } finally {
        await consumer.disconnect();
      }
      expect(values(seen)).toEqual(values(expected));
    },
    120_000,
  );

  it.each(CODECS)(
    'our producer compresses with %s (KAFKA_COMPRESSION) and the console consumer reads it',
    async (codec) => {
      const name = await topic(`ours-${codec}`);
      const ours = createKafka({ brokers: TEST_BROKERS, clientId: `codecs-${codec}`, compression: codec });
      const producer = createIdempotentProducer(ours);
      await producer.connect();
      const expected = Array.from({ length: 100 }, (_, i) => `${codec}-ours-${i}-${'y'.repeat(i)}`);
      try {
        await producer.send({ topic: name, acks: -1, messages: expected.map((value, i) => ({ key: `k${i % 5}`, value })) });
      } finally {
        await producer.disconnect();
      }
      expect((await consoleConsume(name, expected.length)).sort()).toEqual([...expected].sort());
    },
    120_000,
  );
});
