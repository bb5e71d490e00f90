/**
 * The pipeline config file (config/pipeline.yaml): the one place event types, topics, schemas,
 * partition keys, aggregated fields, windows and rules are declared. Parsed and validated here so a
 * mistake in it stops every app at startup with the path of the offending entry.
 */
import { readFileSync } from 'fs';
import { dirname, isAbsolute, resolve } from 'path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, parseDuration } from './env';

export type PartitionKeyField = 'user_id' | 'device_id';
export type WindowKind = 'tumbling' | 'sliding' | 'session';

export interface RangeRule {
  field: string;
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
  /** The field's value must be a key of this reference table. */
  oneOfReference?: string;
}

export interface EnrichmentSpec {
  field: string;
  reference: string;
  into: string;
}

export interface EventTypeSpec {
  name: string;
  topic: string;
  schemaPath: string;
  /** The registry subject (TopicNameStrategy). */
  subject: string;
  partitionKey: PartitionKeyField;
  partitions: number;
  valueField?: string;
  groupBy?: string;
  rules: RangeRule[];
  enrich: EnrichmentSpec[];
}

export interface WindowSpec {
  name: string;
  kind: WindowKind;
  sizeMs: number;
  advanceMs: number;
  gapMs: number;
}

export interface TopicSpec {
  name: string;
  partitions: number;
  compacted: boolean;
}

export interface PipelineConfig {
  rootDir: string;
  eventTypes: EventTypeSpec[];
  windows: WindowSpec[];
  watermark: { maxOutOfOrdernessMs: number; idleTimeoutMs: number; allowedLatenessMs: number };
  dedupeTtlMs: number;
  topics: { aggregated: TopicSpec; dlq: TopicSpec; late: TopicSpec; reference: TopicSpec; schemas: TopicSpec };
  replicationFactor: number;
  retentionMs: number;
  referenceData: Record<string, Record<string, string | number>>;
}

const NAME = /^[a-z][a-z0-9_.-]*$/;

export function parsePipelineConfig(text: string, rootDir: string): PipelineConfig {
  const problems: string[] = [];
  let doc: any;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new ConfigError([`pipeline config is not valid YAML: ${(error as Error).message}`]);
  }
  if (!doc || typeof doc !== 'object') throw new ConfigError(['pipeline config is empty']);

  const need = (cond: boolean, message: string) => {
    if (!cond) problems.push(message);
    return cond;
  };
  const duration = (value: unknown, where: string, fallback?: number): number => {
    if (value === undefined && fallback !== undefined) return fallback;
    try {
      return parseDuration(value as string);
    } catch {
      problems.push(`${where} must be a duration like 5s or 1m, got ${JSON.stringify(value)}`);
      return 0;
    }
  };

  const eventTypes: EventTypeSpec[] = [];
  need(Array.isArray(doc.event_types) && doc.event_types.length > 0, 'event_types must be a non-empty list');
  for (const [i, raw] of (Array.isArray(doc.event_types) ? doc.event_types : []).entries()) {
    const at = `event_types[${i}]`;
    if (!need(raw && typeof raw === 'object', `${at} must be a mapping`)) continue;
    need(typeof raw.name === 'string' && NAME.test(raw.name), `${at}.name must be a lower-case name`);
    need(typeof raw.topic === 'string' && NAME.test(raw.topic), `${at}.topic must be a topic name`);
    need(typeof raw.schema === 'string', `${at}.schema must be the path of an .avsc file`);
    need(raw.partition_key === 'user_id' || raw.partition_key === 'device_id', `${at}.partition_key must be user_id or device_id`);
    const partitions = raw.partitions ?? 6;
    need(Number.isInteger(partitions) && partitions > 0, `${at}.partitions must be a positive integer`);
    const rules: RangeRule[] = (raw.rules ?? []).map((rule: any) => ({
      field: rule.field,
      min: rule.min,
      max: rule.max,
      exclusiveMin: rule.exclusive_min === true,
      oneOfReference: rule.one_of_reference,
    }));
    for (const [j, rule] of rules.entries()) need(typeof rule.field === 'string', `${at}.rules[${j}].field is required`);
    const enrich: EnrichmentSpec[] = (raw.enrich ?? []).map((e: any) => ({ field: e.field, reference: e.reference, into: e.into }));
    for (const [j, e] of enrich.entries()) {
      need(
        typeof e.field === 'string' && typeof e.reference === 'string' && typeof e.into === 'string',
        `${at}.enrich[${j}] needs field, reference and into`,
      );
    }
    eventTypes.push({
      name: raw.name,
      topic: raw.topic,
      schemaPath: typeof raw.schema === 'string' ? (isAbsolute(raw.schema) ? raw.schema : resolve(rootDir, raw.schema)) : '',
      subject: `${raw.topic}-value`,
      partitionKey: raw.partition_key,
      partitions,
      valueField: raw.value_field,
      groupBy: raw.group_by,
      rules,
      enrich,
    });
  }
  const names = eventTypes.map((t) => t.name);
  need(new Set(names).size === names.length, 'event_types names must be unique');
  const topics = eventTypes.map((t) => t.topic);
  need(new Set(topics).size === topics.length, 'event_types topics must be unique (one topic per event type)');

  const windows: WindowSpec[] = [];
  for (const [i, raw] of (Array.isArray(doc.windows) ? doc.windows : []).entries()) {
    const at = `windows[${i}]`;
    need(['tumbling', 'sliding', 'session'].includes(raw?.kind), `${at}.kind must be tumbling, sliding or session`);
    need(typeof raw?.name === 'string' && NAME.test(raw.name), `${at}.name must be a lower-case name`);
    const sizeMs = raw?.kind === 'session' ? 0 : duration(raw?.size, `${at}.size`);
    const advanceMs = raw?.kind === 'sliding' ? duration(raw?.advance, `${at}.advance`) : sizeMs;
    const gapMs = raw?.kind === 'session' ? duration(raw?.gap, `${at}.gap`) : 0;
    if (raw?.kind === 'sliding') need(advanceMs > 0 && advanceMs <= sizeMs && sizeMs % advanceMs === 0, `${at}.advance must divide size`);
    if (raw?.kind !== 'session') need(sizeMs > 0, `${at}.size must be positive`);
    else need(gapMs > 0, `${at}.gap must be positive`);
    windows.push({ name: raw?.name, kind: raw?.kind, sizeMs, advanceMs, gapMs });
  }

  const topic = (raw: any, where: string, fallbackName: string, compacted = false): TopicSpec => {
    const name = raw?.name ?? fallbackName;
    need(typeof name === 'string' && name.length > 0, `${where}.name must be a topic name`);
    const partitions = raw?.partitions ?? 3;
    need(Number.isInteger(partitions) && partitions > 0, `${where}.partitions must be a positive integer`);
    return { name, partitions, compacted: raw?.compacted ?? compacted };
  };
  const t = doc.topics ?? {};
  const config: PipelineConfig = {
    rootDir,
    eventTypes,
    windows,
    watermark: {
      maxOutOfOrdernessMs: duration(doc.watermark?.max_out_of_orderness, 'watermark.max_out_of_orderness', 5000),
      idleTimeoutMs: duration(doc.watermark?.idle_timeout, 'watermark.idle_timeout', 30000),
      allowedLatenessMs: duration(doc.watermark?.allowed_lateness, 'watermark.allowed_lateness', 60000),
    },
    dedupeTtlMs: duration(doc.dedupe?.ttl, 'dedupe.ttl', 3_600_000),
    topics: {
      aggregated: topic(t.aggregated, 'topics.aggregated', 'events.aggregated'),
      dlq: topic(t.dlq, 'topics.dlq', 'events.dlq'),
      late: topic(t.late, 'topics.late', 'events.late'),
      reference: topic(t.reference, 'topics.reference', 'reference.data', true),
      schemas: topic(t.schemas, 'topics.schemas', '_schemas', true),
    },
    replicationFactor: t.replication_factor ?? 1,
    retentionMs: duration(t.retention, 'topics.retention', 7 * 86_400_000),
    referenceData: doc.reference_data ?? {},
  };
  for (const type of eventTypes) {
    for (const rule of type.rules) {
      if (rule.oneOfReference)
        need(
          rule.oneOfReference in config.referenceData,
          `rule on ${type.name}.${rule.field} names unknown reference table ${rule.oneOfReference}`,
        );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.map((p) => `pipeline config: ${p}`));
  return config;
}

export function loadPipelineConfig(path = process.env.PIPELINE_CONFIG ?? 'config/pipeline.yaml'): PipelineConfig {
  const absolute = isAbsolute(path) ? path : resolve(process.cwd(), path);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch {
    throw new ConfigError([`pipeline config not found at ${absolute}; set PIPELINE_CONFIG to its path`]);
  }
  // Schema paths are relative to the repository root, which holds config/.
  return parsePipelineConfig(text, resolve(dirname(absolute), '..'));
}

export function eventTypeByName(config: PipelineConfig, name: string): EventTypeSpec | undefined {
  return config.eventTypes.find((t) => t.name === name);
}

export function eventTypeByTopic(config: PipelineConfig, topic: string): EventTypeSpec | undefined {
  return config.eventTypes.find((t) => t.topic === topic);
}
