/**
 * Wires the processor: topics, schemas, reference data, the windowing stage and the validating
 * stage. Returned handle stops it gracefully (in-flight transactions finish, nothing half-written).
 */
import { Logger } from 'pino';
import { loadPipelineConfig, PipelineConfig } from '@platform/config';
import { createKafka, ensureTopics, withAdmin } from '@platform/kafka';
import { health, logger as rootLogger } from '@platform/observability';
import { withRetry } from '@platform/resilience';
import { RegistryClient, SchemaCatalog } from '@platform/schema';
import { ProcessorConfig } from './config';
import { ReferenceFeed } from './reference-feed';
import { processorTopicPlans, processorTopics } from './topics';
import { TransactionalProducers } from './transactional-producers';
import { ValidateStage } from './validate-stage';
import { WindowStage } from './windows-stage';

export interface ProcessorOptions {
  config: ProcessorConfig;
  logger?: Logger;
  pipeline?: PipelineConfig;
}

export interface ProcessorHandle {
  stop(): Promise<void>;
}

export async function startProcessor(options: ProcessorOptions): Promise<ProcessorHandle> {
  const { config } = options;
  const log = options.logger ?? rootLogger();
  const pipeline = options.pipeline ?? loadPipelineConfig(config.pipelineConfigPath);
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: `${config.kafkaClientId}-processor-${config.instanceId}` });
  const topics = processorTopics(pipeline, config.group);
  await withAdmin(kafka, (admin) => ensureTopics(admin, processorTopicPlans(pipeline, topics), pipeline.replicationFactor));

  const registry = new RegistryClient(config.schemaRegistryUrl);
  const catalog = new SchemaCatalog(registry, pipeline);
  await withRetry(() => catalog.registerPipelineSchemas(), {
    maxAttempts: 30,
    baseDelayMs: 200,
    maxDelayMs: 2000,
    onRetry: (error: unknown) => log.warn({ err: error }, 'schema registry unavailable; retrying'),
  });
  health.register('schema-registry', () => registry.ping());

  const reference = new ReferenceFeed(kafka, pipeline, log);
  await reference.start();
  const producers = new TransactionalProducers(kafka);
  const stageOptions = {
    group: config.group,
    partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
    sessionTimeoutMs: config.sessionTimeoutMs,
    maxBytesPerPartition: config.maxBytesPerPartition,
  };
  const windows = new WindowStage(kafka, pipeline, topics, catalog, producers, { ...stageOptions, watermarkTickMs: config.watermarkTickMs, restoreTimeoutMs: config.restoreTimeoutMs }, log);
  await windows.start();
  const validate = new ValidateStage(kafka, pipeline, topics, catalog, reference, producers, stageOptions, log);
  await validate.start();
  log.info({ group: config.group, topics: pipeline.eventTypes.map((t) => t.topic), repartition: topics.repartition, changelog: topics.changelog }, 'processor started');

  let stopped: Promise<void> | undefined;
  return {
    stop: () =>
      (stopped ??= (async () => {
        await validate.stop();
        await windows.stop();
        await reference.stop();
        await producers.closeAll();
        log.info('processor stopped');
      })()),
  };
}
