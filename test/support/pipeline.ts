/** A private copy of config/pipeline.yaml for one test: its own topics, so tests never share data. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { parse, stringify } from 'yaml';

const ROOT = resolve(__dirname, '../..');

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}

export interface TestPipelineOptions {
  /** Appended to every topic name; unique per test. */
  suffix: string;
  /** Directory to write into (a new temporary one when absent). */
  dir?: string;
  /** Partitions of each event topic (the checked-in count when absent). */
  partitions?: number;
  /** Also rename the aggregated, DLQ, late and reference topics (default true). */
  renameOutputTopics?: boolean;
}

/**
 * Writes `<dir>/config/pipeline.yaml` with every topic renamed `<topic>.<suffix>`, next to a
 * `schemas` link, because the pipeline's root (the parent of config/) must hold schemas/ as the
 * repository does. Returns the file's path.
 */
export function writeTestPipeline(options: TestPipelineOptions): string {
  const dir = options.dir ?? tempDir('pipeline');
  const doc = parse(readFileSync(join(ROOT, 'config/pipeline.yaml'), 'utf8'));
  for (const type of doc.event_types) {
    type.topic = `${type.topic}.${options.suffix}`;
    type.schema = join(ROOT, type.schema);
    if (options.partitions !== undefined) type.partitions = options.partitions;
  }
  if (options.renameOutputTopics !== false) {
    for (const key of ['aggregated', 'dlq', 'late', 'reference']) {
      if (doc.topics[key]) doc.topics[key] = { ...doc.topics[key], name: `${doc.topics[key].name}.${options.suffix}` };
    }
  }
  mkdirSync(join(dir, 'config'), { recursive: true });
  if (!existsSync(join(dir, 'schemas'))) symlinkSync(join(ROOT, 'schemas'), join(dir, 'schemas'), 'dir');
  const path = join(dir, 'config', 'pipeline.yaml');
  writeFileSync(path, stringify(doc));
  return path;
}
