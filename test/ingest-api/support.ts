/**
 * Shared setup for the ingest API's end-to-end tests: a pipeline config with unique topic names,
 * the real registry, an in-process API on port 0, tokens, and a reader that decodes what Kafka
 * holds with the registry client @kafkajs/confluent-schema-registry.
 */
import { randomUUID } from 'crypto';
import { Kafka } from 'kafkajs';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { loadPipelineConfig, PipelineConfig } from '@platform/runtime';
import { ensureTopics, headersToStrings, withAdmin } from '@platform/kafka';
import { signToken } from '@platform/auth';
import { ensureRegistry, kafkajsRegistryAuth, testKafka, TestRegistry, writeTestPipeline } from '@test/support';
import { createIngestApp, IngestApp } from '../../apps/ingest-api/src/bootstrap';
import { IngestConfig } from '../../apps/ingest-api/src/config';

export const SECRET = 'ingest-e2e-secret-0123456789abcdef';

/** config/pipeline.yaml with every topic renamed `<topic>.<suffix>`. */
export function writeIngestPipeline(suffix = `t${Date.now().toString(36)}${randomUUID().slice(0, 6)}`): {
  path: string;
  pipeline: PipelineConfig;
} {
  const path = writeTestPipeline({ suffix });
  return { path, pipeline: loadPipelineConfig(path) };
}

export interface TestApi {
  api: IngestApp;
  url: string;
  pipeline: PipelineConfig;
  pipelinePath: string;
  registry: TestRegistry;
  topic(type: string): string;
  close(): Promise<void>;
}

export interface TestApiOptions {
  env?: Record<string, string>;
  config?: Partial<IngestConfig>;
  /** Reuse another test API's pipeline (same topics). */
  pipelinePath?: string;
  /** Wait for Kafka and the registry (default true). */
  waitReady?: boolean;
}

let sharedRegistry: TestRegistry | undefined;

export async function registry(): Promise<TestRegistry> {
  sharedRegistry ??= await ensureRegistry();
  return sharedRegistry;
}

export async function startTestApi(options: TestApiOptions = {}): Promise<TestApi> {
  const reg = await registry();
  const written = options.pipelinePath
    ? { path: options.pipelinePath, pipeline: loadPipelineConfig(options.pipelinePath) }
    : writeIngestPipeline();
  const kafka = testKafka('ingest-e2e-setup');
  await withAdmin(kafka, (admin) =>
    ensureTopics(
      admin,
      written.pipeline.eventTypes.map((t) => ({ topic: t.topic, numPartitions: t.partitions, compacted: false })),
    ),
  );
  const api = await createIngestApp({
    env: {
      ...process.env,
      JWT_SECRET: SECRET,
      PIPELINE_CONFIG: written.path,
      ...reg.clientEnv,
      THROTTLE_LIMIT: '1000000',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      WS_PING_INTERVAL: '30s',
      ...options.env,
    },
    config: options.config,
  });
  const url = await api.listen(0, '127.0.0.1');
  if (options.waitReady !== false) await api.ready(60_000);
  return {
    api,
    url,
    pipeline: written.pipeline,
    pipelinePath: written.path,
    registry: reg,
    topic: (type: string) => written.pipeline.eventTypes.find((t) => t.name === type)!.topic,
    close: () => api.close(),
  };
}

export function token(scopes: string[] = ['events:*'], subject = 'e2e-client', extra: { expiresInSeconds?: number } = {}): string {
  return signToken(SECRET, { subject, scopes, expiresInSeconds: extra.expiresInSeconds ?? 3600 });
}

export function authHeaders(scopes?: string[], subject?: string): Record<string, string> {
  return { authorization: `Bearer ${token(scopes, subject)}`, 'content-type': 'application/json' };
}

export function iotEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: `evt-${randomUUID()}`,
    timestamp: new Date().toISOString(),
    event_type: 'iot.sensor',
    device_id: `device-${Math.floor(Math.random() * 50)}`,
    payload: { temperature: 21.5, humidity: 40 },
    ...overrides,
  };
}

export function clickEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: `evt-${randomUUID()}`,
    timestamp: Date.now(),
    event_type: 'clickstream',
    user_id: `user-${Math.floor(Math.random() * 50)}`,
    payload: { page: '/home', action: 'view' },
    ...overrides,
  };
}

type Answer = { status: number; body: any; headers: Headers };

/** The answer with its body parsed as JSON when it is JSON, as text otherwise. */
async function call(url: string, path: string, init: RequestInit): Promise<Answer> {
  const response = await fetch(`${url}${path}`, init);
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

export function post(url: string, path: string, body: unknown, headers: Record<string, string> = authHeaders()): Promise<Answer> {
  return call(url, path, {
    method: 'POST',
    headers,
    body: typeof body === 'string' || Buffer.isBuffer(body) ? (body as any) : JSON.stringify(body),
  });
}

export function get(url: string, path: string, headers: Record<string, string> = authHeaders()): Promise<Answer> {
  return call(url, path, { headers });
}

export interface ReadRecord {
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
  value: Record<string, any>;
  raw: Buffer;
}

/** Reads every record of `topic` up to its current end, decoding values with the registry client. */
export async function readTopic(kafka: Kafka, registry: TestRegistry, topic: string): Promise<ReadRecord[]> {
  const decoder = new SchemaRegistry({ host: registry.url, auth: kafkajsRegistryAuth(registry.credentials) });
  const ends = await withAdmin(kafka, (admin) => admin.fetchTopicOffsets(topic));
  const target = new Map(ends.map((e) => [e.partition, BigInt(e.high)]));
  const total = ends.reduce((n, e) => n + Number(BigInt(e.high) - BigInt(e.low)), 0);
  const records: ReadRecord[] = [];
  if (total === 0) return records;
  const consumer = kafka.consumer({ groupId: `ingest-e2e-read-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const pending: Array<Promise<void>> = [];
  let seen = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      if (BigInt(message.offset) >= (target.get(partition) ?? 0n)) return;
      seen++;
      pending.push(
        decoder.decode(message.value!).then((value: any) => {
          records.push({
            partition,
            offset: message.offset,
            key: message.key?.toString() ?? null,
            headers: headersToStrings(message.headers),
            value,
            raw: message.value!,
          });
        }),
      );
      if (seen >= total) done();
    },
  });
  const timer = setTimeout(() => done(), 30_000);
  await finished;
  clearTimeout(timer);
  await consumer.disconnect();
  await Promise.all(pending);
  return records;
}

export async function endOffsets(kafka: Kafka, topics: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  await withAdmin(kafka, async (admin) => {
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) out[`${topic}:${p.partition}`] = p.high;
    }
  });
  return out;
}

/** Every non-2xx answer is in the one error format. */
export function expectErrorFormat(body: any): void {
  expect(body).toEqual(
    expect.objectContaining({
      error_code: expect.any(String),
      message: expect.any(String),
      timestamp: expect.any(String),
      request_id: expect.any(String),
    }),
  );
  expect(Object.keys(body).sort()).toEqual(['details', 'error_code', 'message', 'request_id', 'timestamp']);
}
