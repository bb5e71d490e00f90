/** Online lookups of served aggregates: validation of the query, readiness, the store call. */
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EventTypeSpec, PipelineConfig } from '@platform/runtime';
import { PlatformError } from '@platform/contracts';
import { RecentQuery, ServedWindow } from '@platform/windowing';
import { PIPELINE } from '../tokens';
import { AggregateMaterializer } from './aggregate-materializer';
import { ServingConfig } from './serving-config';
import { servingMetrics } from './serving-metrics';

export const SERVING_CONFIG = Symbol('SERVING_CONFIG');

const MAX_KEY_LENGTH = 1024;

function invalid(parameter: string, message: string): PlatformError {
  return new PlatformError(400, 'INVALID_QUERY', message, { parameter });
}

/** A time bound: epoch ms or an ISO-8601 date-time. */
export function parseTime(parameter: string, raw: unknown): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const text = Array.isArray(raw) ? raw[0] : raw;
  if (typeof text !== 'string' || text.length > 64)
    throw invalid(parameter, `${parameter} must be epoch milliseconds or an ISO-8601 date-time`);
  const value = /^-?\d{1,16}$/.test(text) ? Number(text) : /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(value)) throw invalid(parameter, `${parameter} must be epoch milliseconds or an ISO-8601 date-time`);
  return value;
}

export function parseRecentQuery(query: Record<string, unknown>, maxLimit: number): RecentQuery {
  const rawLimit = Array.isArray(query.limit) ? query.limit[0] : query.limit;
  let limit = 10;
  if (rawLimit !== undefined && rawLimit !== '') {
    limit = typeof rawLimit === 'string' && /^\d{1,7}$/.test(rawLimit) ? Number(rawLimit) : NaN;
    if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit)
      throw invalid('limit', `limit must be an integer between 1 and ${maxLimit}`);
  }
  const from = parseTime('from', query.from);
  const to = parseTime('to', query.to);
  if (from !== undefined && to !== undefined && from >= to) throw invalid('from', 'from must be before to');
  return { limit, from, to };
}

@Injectable()
export class AggregateServingService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly windowNames: string[];

  constructor(
    @Inject(SERVING_CONFIG) readonly config: ServingConfig,
    @Inject(PIPELINE) pipeline: PipelineConfig,
    readonly materializer: AggregateMaterializer,
  ) {
    this.windowNames = pipeline.windows.map((w) => w.name);
  }

  onApplicationBootstrap(): void {
    this.materializer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.materializer.stop();
  }

  get configuredWindows(): readonly string[] {
    return this.windowNames;
  }

  checkKey(groupKey: string): void {
    if (groupKey.length > MAX_KEY_LENGTH) throw invalid('key', `the key may be at most ${MAX_KEY_LENGTH} characters`);
  }

  checkWindow(windowName: string): void {
    if (!this.windowNames.includes(windowName)) {
      throw new PlatformError(404, 'UNKNOWN_WINDOW', `no window named "${windowName.slice(0, 200)}"`, { windows: this.windowNames });
    }
  }

  private ensureReady(): void {
    if (this.materializer.state !== 'ready') {
      throw new PlatformError(
        503,
        'SERVING_NOT_READY',
        'the aggregate store is catching up with the aggregated topic; retry shortly',
        { state: this.materializer.state },
        1,
      );
    }
  }

  async featureVector(type: EventTypeSpec, groupKey: string): Promise<Record<string, ServedWindow | null>> {
    this.checkKey(groupKey);
    this.ensureReady();
    servingMetrics.lookups.inc({ kind: 'vector' });
    return this.materializer.store.latest(type.name, groupKey, this.windowNames);
  }

  async recent(type: EventTypeSpec, groupKey: string, windowName: string, query: RecentQuery): Promise<ServedWindow[]> {
    this.checkKey(groupKey);
    this.checkWindow(windowName);
    this.ensureReady();
    servingMetrics.lookups.inc({ kind: 'recent' });
    return this.materializer.store.recent(type.name, groupKey, windowName, query);
  }
}
