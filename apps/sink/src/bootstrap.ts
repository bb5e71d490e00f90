/**
 * Wires the sink: one Kafka client, the schema catalog, a DLQ producer, and one consumer loop per
 * destination (warehouse, lake), each with its own consumer group. `startSink` is what main.ts and
 * in-process tests call.
 */
import { Kafka, Producer } from 'kafkajs';
import { loadPipelineConfig, PipelineConfig, pipelineTopics, health, Logger, logger as rootLogger } from '@platform/runtime';
import {
  createIdempotentProducer,
  createKafka,
  ensureTopics,
  kafkaSettings,
  TopicReplication,
  topicReplication,
  withAdmin,
} from '@platform/kafka';
import { RegistryClient, SchemaCatalog } from '@platform/schema';
import { LakeWriter, LocalLakeStore, ParquetEncoder, S3LakeStore } from '@platform/lake';
import { connectSnowflake, DuckDbAdapter, PostgresAdapter, SnowflakeAdapter, WarehouseAdapter, WarehouseLoader } from '@platform/warehouse';
import { SinkConfig } from './config';
import { DestinationStage } from './consumer/destination-stage';
import { RecordDecoder } from './decoding/record-decoder';
import { DlqPublisher } from './delivery/dlq-publisher';
import { Destination } from './destinations/destination';
import { LakeDestination } from './destinations/lake-destination';
import { WarehouseDestination } from './destinations/warehouse-destination';
import { sinkMetrics } from './metrics';

export interface SinkOptions {
  config: SinkConfig;
  /** Defaults to the file at config.pipelineConfigPath. */
  pipeline?: PipelineConfig;
  logger?: Logger;
  /** A destination cannot continue safely (main.ts exits so a restart replays); defaults to logging. */
  onFatal?: (error: Error) => void;
}

export interface SinkHandle {
  readonly config: SinkConfig;
  readonly stages: Partial<Record<'warehouse' | 'lake', DestinationStage>>;
  /** Flushes every destination's buffer now and commits. */
  flush(): Promise<void>;
  /** Graceful: stop consuming, flush, commit, close. */
  stop(): Promise<void>;
  healthy(): boolean;
}

export async function createWarehouseAdapter(config: SinkConfig): Promise<WarehouseAdapter> {
  switch (config.warehouse) {
    case 'duckdb':
      return new DuckDbAdapter({ path: config.duckdbPath, holdOpen: config.duckdbHoldOpen });
    case 'postgres':
      if (!config.postgres) throw new Error('WAREHOUSE_URL is required when WAREHOUSE=postgres');
      return new PostgresAdapter({ connectionString: config.postgres.url });
    case 'snowflake':
      if (!config.snowflake) throw new Error('SNOWFLAKE_* settings are required when WAREHOUSE=snowflake');
      return new SnowflakeAdapter(await connectSnowflake(config.snowflake));
  }
}

export function createLakeStore(config: SinkConfig): { store: LocalLakeStore | S3LakeStore; prefix: string } {
  if (config.lake === 's3') {
    if (!config.s3) throw new Error('LAKE_S3_BUCKET is required when LAKE=s3');
    return { store: new S3LakeStore(config.s3), prefix: config.lakePrefix };
  }
  return { store: new LocalLakeStore(config.lakeDir), prefix: '' };
}

/** The topics the sink reads: every event topic of the pipeline and the aggregated topic. */
export function sinkTopics(pipeline: PipelineConfig): string[] {
  return [...pipeline.eventTypes.map((t) => t.topic), pipeline.topics.aggregated.name];
}

async function ensureSinkTopics(kafka: Kafka, pipeline: PipelineConfig, replication: TopicReplication): Promise<void> {
  const wanted = new Set([...sinkTopics(pipeline), pipeline.topics.dlq.name]);
  const plans = pipelineTopics(pipeline).filter((p) => wanted.has(p.topic));
  await withAdmin(kafka, (admin) => ensureTopics(admin, plans, replication));
}

export async function startSink(options: SinkOptions): Promise<SinkHandle> {
  const { config } = options;
  const log = options.logger ?? rootLogger();
  const pipeline = options.pipeline ?? loadPipelineConfig(config.pipelineConfigPath);
  const kafka = createKafka(kafkaSettings(config));
  await ensureSinkTopics(kafka, pipeline, topicReplication(config, pipeline));

  const registry = new RegistryClient(config.schemaRegistryUrl, { credentials: config.schemaRegistryCredentials });
  const catalog = new SchemaCatalog(registry, pipeline);
  const producer: Producer = createIdempotentProducer(kafka);
  await producer.connect();

  const onFatal = options.onFatal ?? ((error: Error) => log.error({ err: error }, 'sink destination failed'));
  const policy = { maxRecords: config.flushMaxRecords, maxBytes: config.flushMaxBytes, maxAgeMs: config.flushIntervalMs };
  const retry = { maxAttempts: config.retryMaxAttempts, baseDelayMs: config.retryBaseDelayMs, maxDelayMs: config.retryMaxDelayMs };
  const stages: SinkHandle['stages'] = {};
  const topics = sinkTopics(pipeline);

  const build = async (name: 'warehouse' | 'lake', reportsDecodeFailures: boolean): Promise<DestinationStage> => {
    // The decoder and DLQ publisher ask the stage they belong to whether it is stopping.
    const self: { stage?: DestinationStage } = {};
    const isStopping = () => self.stage?.isStopping() ?? false;
    let destination: Destination;
    if (name === 'warehouse') {
      const loader = new WarehouseLoader(await createWarehouseAdapter(config), (table, columns) => {
        sinkMetrics.columnsAdded.inc({ table }, columns.length);
        log.info({ table, columns: columns.map((c) => `${c.name} ${c.type}`) }, 'added columns for new schema fields');
      });
      destination = new WarehouseDestination(loader, config.warehouseGroup);
    } else {
      const { store, prefix } = createLakeStore(config);
      const writer = new LakeWriter(store, new ParquetEncoder(), { prefix, consumerGroup: config.lakeGroup });
      destination = new LakeDestination(writer, store, config.lakeGroup, isStopping);
    }
    const stage = new DestinationStage({
      kafka,
      topics,
      destination,
      decoder: new RecordDecoder(catalog, pipeline, {
        isStopping,
        onRegistryRetry: (error) => log.warn({ destination: name, err: error }, 'schema registry unavailable; retrying'),
      }),
      dlq: new DlqPublisher(producer, pipeline.topics.dlq.name, `sink:${name}`, isStopping),
      reportsDecodeFailures,
      policy,
      retry,
      sessionTimeoutMs: config.sessionTimeoutMs,
      logger: log,
      onFatal,
    });
    self.stage = stage;
    return stage;
  };

  // One destination dead-letters undecodable records, so each lands in the DLQ once.
  const names = (['warehouse', 'lake'] as const).filter((n) => config.destinations.includes(n));
  for (const [i, name] of names.entries()) stages[name] = await build(name, i === 0);
  try {
    await Promise.all(Object.values(stages).map((s) => s!.start()));
  } catch (error) {
    await Promise.all(Object.values(stages).map((s) => s!.stop(false).catch(() => undefined)));
    await producer.disconnect().catch(() => undefined);
    throw error;
  }
  for (const [name, stage] of Object.entries(stages)) health.register(`sink-${name}`, async () => stage!.healthy());
  log.info({ destinations: names, topics, warehouse: config.warehouse, lake: config.lake }, 'sink started');

  let stopped: Promise<void> | undefined;
  return {
    config,
    stages,
    flush: async () => {
      await Promise.all(Object.values(stages).map((s) => s!.flush()));
    },
    stop: () => {
      stopped ??= (async () => {
        await Promise.all(Object.values(stages).map((s) => s!.stop(true, config.shutdownTimeoutMs)));
        await producer.disconnect().catch(() => undefined);
        log.info('sink stopped');
      })();
      return stopped;
    },
    healthy: () => Object.values(stages).every((s) => s!.healthy()),
  };
}
