/**
 * Shared parts of the processor's end-to-end tests: a private pipeline, framed test events, a
 * collector that follows an output topic (read committed) and the offline oracle: a fresh engine
 * fed the valid, deduplicated events with its watermark moved to the end.
 */
import { randomUUID } from 'crypto';
import { readFileSync, writeFileSync } from 'fs';
import { Consumer, Kafka, Producer } from 'kafkajs';
import { parse, stringify } from 'yaml';
import { loadPipelineConfig, PipelineConfig, pipelineTopics } from '@platform/runtime';
import { AggregatedRecord, aggregateKey, decodeDlqRecord, decodeLateRecord, DlqRecord } from '@platform/contracts';
import { createConsumer, createIdempotentProducer, ensureTopics, headersToStrings, withAdmin } from '@platform/kafka';
import { decodedValue, RegistryClient, SchemaCatalog } from '@platform/schema';
import {
  registryClientEnv,
  TEST_BROKERS,
  TEST_REGISTRY_CREDENTIALS,
  TEST_REGISTRY_URL,
  testKafka,
  uniqueName,
  writeTestPipeline,
} from '@test/support';
import { WindowingEngine } from '@platform/windowing';
import { loadProcessorConfig, ProcessorConfig } from '../../apps/processor/src/config';

export const MIN = 60_000;

export interface TestEvent {
  event_id: string;
  timestamp: number;
  event_type: 'transaction' | 'clickstream' | 'iot.sensor';
  user_id: string | null;
  device_id: string | null;
  trace_id: string | null;
  metadata: null;
  payload: Record<string, unknown>;
}

export interface Setup {
  name: string;
  pipelinePath: string;
  pipeline: PipelineConfig;
  kafka: Kafka;
  catalog: SchemaCatalog;
  producer: Producer;
  env: Record<string, string>;
  config: ProcessorConfig;
  close(): Promise<void>;
}

/** A private pipeline (2 partitions per event topic) plus what a test needs to feed and read it. */
export async function setUp(prefix: string, edit?: (doc: any) => void): Promise<Setup> {
  const name = uniqueName(prefix);
  const suffix = name.replace(/[^a-z0-9]/g, '');
  const pipelinePath = writeTestPipeline({ suffix, partitions: 2 });
  if (edit) {
    const doc = parse(readFileSync(pipelinePath, 'utf8'));
    edit(doc);
    writeFileSync(pipelinePath, stringify(doc));
  }
  const pipeline = loadPipelineConfig(pipelinePath);
  const kafka = testKafka(name);
  await withAdmin(kafka, (admin) =>
    ensureTopics(
      admin,
      pipelineTopics(pipeline).filter((p) => p.topic !== pipeline.topics.schemas.name),
    ),
  );
  const catalog = new SchemaCatalog(new RegistryClient(TEST_REGISTRY_URL, { credentials: TEST_REGISTRY_CREDENTIALS }), pipeline);
  await catalog.registerPipelineSchemas();
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  const env = {
    KAFKA_BROKERS: TEST_BROKERS.join(','),
    ...registryClientEnv(TEST_REGISTRY_URL),
    PIPELINE_CONFIG: pipelinePath,
    PROCESSOR_GROUP: `processor-${suffix}`,
    PROCESSOR_OPS_PORT: '0',
    PROCESSOR_TIMER_INTERVAL: '500ms',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  return {
    name,
    pipelinePath,
    pipeline,
    kafka,
    catalog,
    producer,
    env,
    config: loadProcessorConfig(env),
    close: () => producer.disconnect(),
  };
}

const SYMBOLS = ['AAPL', 'MSFT', 'JPM', 'XOM', 'PFE'];
const PAGES = ['/home', '/cart', '/search', '/product'];

/** A valid event of a type chosen by `n`, at time `t`. */
export function validEvent(n: number, t: number, users = 20): TestEvent {
  const user = `u${n % users}`;
  const base = { event_id: randomUUID(), timestamp: t, user_id: user, device_id: `d${n % 7}`, trace_id: randomUUID(), metadata: null };
  switch (n % 3) {
    case 0:
      return {
        ...base,
        event_type: 'transaction',
        payload: {
          symbol: SYMBOLS[n % 5],
          side: 'BUY',
          quantity: 1 + (n % 9),
          amount: 1 + (n % 97) * 1.25,
          currency: n % 2 ? 'EUR' : 'USD',
        },
      };
    case 1:
      return {
        ...base,
        event_type: 'clickstream',
        payload: { page: PAGES[n % 4], action: 'view', element: null, referrer: null, duration_ms: (n * 37) % 5000 },
      };
    default:
      return {
        ...base,
        event_type: 'iot.sensor',
        payload: { temperature: -20 + ((n * 13) % 600) / 10, humidity: (n * 7) % 100, battery: null, unit: 'C' },
      };
  }
}

export function topicOf(pipeline: PipelineConfig, type: string): string {
  return pipeline.eventTypes.find((t) => t.name === type)!.topic;
}

export function keyOf(event: TestEvent): string {
  return (event.event_type === 'iot.sensor' ? event.device_id : event.user_id) ?? '';
}

export function encode(setup: Setup, event: TestEvent): Buffer {
  return setup.catalog.encode(setup.catalog.forEventType(event.event_type), event);
}

/** Produces events (or raw values) in order, in batches. */
export async function produce(
  setup: Setup,
  items: Array<{ topic: string; key: string | null; value: Buffer; partition?: number }>,
  batch = 2000,
): Promise<void> {
  for (let i = 0; i < items.length; i += batch) {
    const byTopic = new Map<string, Array<{ key: string | null; value: Buffer; partition?: number }>>();
    for (const item of items.slice(i, i + batch)) {
      if (!byTopic.has(item.topic)) byTopic.set(item.topic, []);
      byTopic.get(item.topic)!.push({ key: item.key, value: item.value, partition: item.partition });
    }
    await setup.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
  }
}

export function framedItems(setup: Setup, events: TestEvent[]) {
  return events.map((e) => ({ topic: topicOf(setup.pipeline, e.event_type), key: keyOf(e), value: encode(setup, e) }));
}

/** One valid event per source partition far ahead in event time, so every source's watermark passes the data. */
export function flushItems(setup: Setup, at: number) {
  const items: Array<{ topic: string; key: string | null; value: Buffer; partition: number }> = [];
  for (const [i, spec] of setup.pipeline.eventTypes.entries()) {
    for (let p = 0; p < spec.partitions; p++) {
      const type = spec.name === 'transaction' ? 0 : spec.name === 'clickstream' ? 1 : 2;
      const e = validEvent(type + 3 * (i + p), at);
      items.push({ topic: spec.topic, key: keyOf(e), value: encode(setup, e), partition: p });
    }
  }
  return items;
}

export interface AggregateRow extends AggregatedRecord {
  retracted?: boolean;
}

/** The final aggregates an uninterrupted, perfectly ordered run ends with (sessions never retracted). */
export function oracle(
  pipeline: PipelineConfig,
  events: TestEvent[],
): Map<string, { count: number; sum: number | null; min: number | null; max: number | null; users: number }> {
  const engine = new WindowingEngine({
    ...pipeline.watermark,
    windows: pipeline.windows,
    dedupeTtlMs: pipeline.dedupeTtlMs,
    eventTypes: pipeline.eventTypes,
  });
  const sorted = [...events].sort((a, b) => a.timestamp - b.timestamp);
  const results = [
    ...engine.processBatch(
      sorted.map((e) => ({
        eventId: e.event_id,
        eventType: e.event_type,
        timestamp: e.timestamp,
        userId: e.user_id,
        deviceId: e.device_id,
        payload: e.payload,
      })),
      0,
    ).results,
    ...engine.advanceWatermarkTo(Number.MAX_SAFE_INTEGER).results,
  ];
  const latest = new Map<
    string,
    { version: number; retracted: boolean; count: number; sum: number | null; min: number | null; max: number | null; users: number }
  >();
  for (const r of results) {
    const key = aggregateKey({ event_type: r.eventType, window_name: r.windowName, group_key: r.groupKey, window_start: r.windowStart });
    const seen = latest.get(key);
    if (!seen || r.version > seen.version)
      latest.set(key, {
        version: r.version,
        retracted: r.retracted,
        count: r.count,
        sum: r.sum,
        min: r.min,
        max: r.max,
        users: r.distinctUsers,
      });
  }
  const out = new Map<string, { count: number; sum: number | null; min: number | null; max: number | null; users: number }>();
  for (const [key, v] of latest) if (!v.retracted) out.set(key, { count: v.count, sum: v.sum, min: v.min, max: v.max, users: v.users });
  return out;
}

/** Follows a topic from the beginning (read committed) with a private group. */
export class TopicCollector<T> {
  readonly records: T[] = [];
  private readonly seen = new Set<string>();
  private consumer?: Consumer;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly decode: (value: Buffer, key: string | null, headers: Record<string, string>) => Promise<T> | T,
  ) {}

  async start(): Promise<this> {
    this.consumer = createConsumer(this.kafka, `collector-${randomUUID()}`, { maxWaitTimeInMs: 100 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          // A reader may be handed a record again (its consumer restarted without committed
          // offsets); a record is its position, so each position counts once.
          const position = `${batch.partition}:${m.offset}`;
          if (!m.value || this.seen.has(position)) continue;
          this.seen.add(position);
          this.records.push(await this.decode(m.value, m.key ? m.key.toString() : null, headersToStrings(m.headers)));
        }
      },
    });
    return this;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

export function aggregateCollector(setup: Setup): TopicCollector<AggregateRow> {
  return new TopicCollector(setup.kafka, setup.pipeline.topics.aggregated.name, async (v) =>
    decodedValue(await setup.catalog.decode<AggregateRow>(v)),
  );
}

export function dlqCollector(kafka: Kafka, topic: string): TopicCollector<DlqRecord> {
  return new TopicCollector(kafka, topic, (v) => decodeDlqRecord(v));
}

/** Late records as read: the record itself (source key, framed value, headers) and its DLQ view. */
export interface LateRead {
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
  record: DlqRecord;
}

export function lateCollector(kafka: Kafka, topic: string): TopicCollector<LateRead> {
  return new TopicCollector(kafka, topic, (value, key, headers) => ({
    key,
    value,
    headers,
    record: decodeLateRecord({ key, value, headers }),
  }));
}

/** Highest version per aggregate key among records with window_start before `before`; retracted rows removed. */
export function latestAggregates(rows: AggregateRow[], before: number): Map<string, AggregateRow> {
  const latest = new Map<string, AggregateRow>();
  for (const r of rows) {
    if (r.window_start >= before) continue;
    const key = aggregateKey(r);
    const seen = latest.get(key);
    if (!seen || r.version > seen.version) latest.set(key, r);
  }
  for (const [key, r] of latest) if (r.retracted) latest.delete(key);
  return latest;
}

/** Differences between the processor's aggregates and the oracle's, as readable lines (empty: equal). */
export function compare(actual: Map<string, AggregateRow>, expected: ReturnType<typeof oracle>): string[] {
  const problems: string[] = [];
  for (const [key, want] of expected) {
    const got = actual.get(key);
    if (!got) problems.push(`missing ${key}`);
    else if (
      got.count !== want.count ||
      got.sum_value !== want.sum ||
      got.min_value !== want.min ||
      got.max_value !== want.max ||
      got.distinct_users !== want.users
    ) {
      problems.push(
        `${key}: got count ${got.count} sum ${got.sum_value} min ${got.min_value} max ${got.max_value} users ${got.distinct_users}, want ${JSON.stringify(want)}`,
      );
    }
  }
  for (const key of actual.keys()) if (!expected.has(key)) problems.push(`unexpected ${key}`);
  return problems;
}
