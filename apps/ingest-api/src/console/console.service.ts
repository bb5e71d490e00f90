/**
 * What the console's overview and topic pages show: end offsets of the pipeline's topics, consumer
 * lag per group, the health of each pipeline stage, and an hour of samples of those for the charts.
 * Sampling runs only while someone looks (it stops after a few minutes without an overview request),
 * so an idle API does no extra Kafka calls.
 */
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { PipelineConfig, logger } from '@platform/runtime';
import { RegistryClient } from '@platform/schema';
import { KafkaAdminGateway } from '../kafka/kafka-admin';
import { ConsoleConfig } from './console-config';
import { CONSOLE_CONFIG, CONSOLE_KAFKA_ADMIN, CONSOLE_PIPELINE, CONSOLE_REGISTRY } from './console.tokens';
import { groupLag, hasCommits, maxGauge, PartitionEnd, rateSeries, SampleHistory } from './overview-math';

export const HISTORY_MS = 60 * 60 * 1000;
const IDLE_STOP_MS = 5 * 60 * 1000;
const PROBE_TIMEOUT_MS = 1500;
const RESCAN_MS = 10_000;
const SCAN_CONCURRENCY = 8;
const WATERMARK_LAG_METRIC = 'processor_watermark_lag_seconds';

export type TopicRole = 'events' | 'aggregated' | 'dlq' | 'late';

export interface TopicInfo {
  topic: string;
  role: TopicRole;
  event_type: string | null;
  partitions: { partition: number; low: string; high: string }[];
  end_offset: string;
}

export interface StageStatus {
  name: string;
  up: boolean;
  detail: string;
}

export interface GroupInfo {
  group: string;
  topics: string[];
  lag: number;
}

interface Sample {
  t: number;
  ends: Record<string, number>;
  /** Committed offsets summed per group and topic. */
  committed: Record<string, Record<string, number>>;
  lag: Record<string, number>;
  watermarkLag: number | null;
}

export interface Overview {
  sampled_at: string | null;
  interval_ms: number;
  stages: StageStatus[];
  topics: TopicInfo[];
  groups: GroupInfo[];
  watermark_lag_seconds: number | null;
  /** Chart series over the last hour: `t` (epoch seconds) and values aligned with it. */
  series: {
    t: number[];
    topics: Record<string, { in: (number | null)[]; out: (number | null)[] }>;
    lag: Record<string, (number | null)[]>;
    watermark_lag: (number | null)[];
  };
}

@Injectable()
export class ConsoleService implements OnModuleDestroy {
  private readonly history = new SampleHistory<Sample>(HISTORY_MS);
  private readonly topicRoles: { topic: string; role: TopicRole; eventType: string | null }[];
  private timer?: NodeJS.Timeout;
  private lastViewAt = 0;
  private sampling?: Promise<void>;
  private lastTopics: TopicInfo[] = [];
  private lastGroups: GroupInfo[] = [];
  private lastStages: StageStatus[] = [];
  private relevantGroups = new Set<string>();
  private lastGroupScanAt = 0;

  constructor(
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
    @Inject(CONSOLE_PIPELINE) pipeline: PipelineConfig,
    @Inject(CONSOLE_KAFKA_ADMIN) private readonly admin: KafkaAdminGateway,
    @Inject(CONSOLE_REGISTRY) private readonly registry: RegistryClient,
  ) {
    this.topicRoles = [
      ...pipeline.eventTypes.map((t) => ({ topic: t.topic, role: 'events' as const, eventType: t.name })),
      { topic: pipeline.topics.aggregated.name, role: 'aggregated' as const, eventType: null },
      { topic: pipeline.topics.dlq.name, role: 'dlq' as const, eventType: null },
      { topic: pipeline.topics.late.name, role: 'late' as const, eventType: null },
    ];
  }

  /** Every topic of the pipeline with its partitions' offsets (read now). */
  async topics(): Promise<TopicInfo[]> {
    const known = new Set(await this.admin.run('listTopics', (admin) => admin.listTopics()));
    const out: TopicInfo[] = [];
    for (const { topic, role, eventType } of this.topicRoles) {
      const partitions = known.has(topic) ? await this.admin.offsets(topic) : [];
      out.push({
        topic,
        role,
        event_type: eventType,
        partitions: partitions.map((p) => ({ partition: p.partition, low: p.low.toString(), high: p.high.toString() })),
        end_offset: partitions.reduce((sum, p) => sum + p.high, 0n).toString(),
      });
    }
    return out;
  }

  /**
   * Consumer groups that committed on the pipeline's topics, with their lag (read now). A broker can
   * hold many groups of other applications: all of them are looked at only every RESCAN_MS (a few
   * at a time), and in between only the groups found to consume the pipeline's topics.
   */
  async groups(topics: TopicInfo[]): Promise<{ groups: GroupInfo[]; committed: Record<string, Record<string, number>> }> {
    const ends = new Map<string, PartitionEnd[]>(
      topics
        .filter((t) => t.partitions.length > 0)
        .map((t) => [t.topic, t.partitions.map((p) => ({ partition: p.partition, low: BigInt(p.low), high: BigInt(p.high) }))]),
    );
    const groups: GroupInfo[] = [];
    const committed: Record<string, Record<string, number>> = {};
    const topicNames = [...ends.keys()];
    if (topicNames.length === 0) return { groups, committed };
    let ids = [...this.relevantGroups];
    if (Date.now() - this.lastGroupScanAt >= RESCAN_MS) {
      const listed = await this.admin.run('listGroups', (admin) => admin.listGroups());
      ids = listed.groups.filter((g) => g.protocolType === 'consumer' || g.protocolType === '').map((g) => g.groupId);
      this.lastGroupScanAt = Date.now();
    }
    const found = new Set<string>();
    for (let i = 0; i < ids.length; i += SCAN_CONCURRENCY) {
      await Promise.all(
        ids.slice(i, i + SCAN_CONCURRENCY).map(async (groupId) => {
          const offsets = await this.admin.run('fetchOffsets', (admin) => admin.fetchOffsets({ groupId, topics: topicNames }));
          let lag = 0n;
          const consumed: string[] = [];
          for (const entry of offsets) {
            if (!hasCommits(entry.partitions)) continue;
            consumed.push(entry.topic);
            lag += groupLag(ends.get(entry.topic) ?? [], entry.partitions);
            (committed[groupId] ??= {})[entry.topic] = entry.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
          }
          if (consumed.length > 0) {
            found.add(groupId);
            groups.push({ group: groupId, topics: consumed.sort(), lag: Number(lag) });
          }
        }),
      );
    }
    this.relevantGroups = found;
    return { groups: groups.sort((a, b) => a.group.localeCompare(b.group)), committed };
  }

  /** Each stage up or not: this API, the schema registry, and the configured stages' readiness. */
  async stages(): Promise<{ stages: StageStatus[]; watermarkLag: number | null }> {
    const stages: StageStatus[] = [{ name: 'ingest-api', up: true, detail: 'answering' }];
    const registryUp = await this.registry.ping();
    stages.push({ name: 'schema-registry', up: registryUp, detail: registryUp ? 'answering' : 'unreachable' });
    let watermarkLag: number | null = null;
    for (const target of this.config.stages) {
      const ready = await probe(`${target.url}/health/ready`);
      stages.push({ name: target.name, up: ready.ok, detail: ready.ok ? 'ready' : ready.detail });
      if (ready.ok) {
        const metrics = await probe(`${target.url}/metrics`);
        const lag = metrics.ok ? maxGauge(metrics.body, WATERMARK_LAG_METRIC) : undefined;
        if (lag !== undefined) watermarkLag = Math.max(watermarkLag ?? lag, lag);
      }
    }
    return { stages, watermarkLag };
  }

  /** The overview: latest state and the last hour's series. Starts sampling if it was idle. */
  async overview(): Promise<Overview> {
    this.lastViewAt = Date.now();
    if (!this.timer) {
      this.timer = setInterval(() => void this.sampleOnce(), this.config.sampleIntervalMs);
      this.timer.unref();
    }
    if (!this.history.latest) await this.sampleOnce();
    return this.render();
  }

  /** Takes one sample now (the overview's charts move without waiting for the timer). */
  sampleOnce(): Promise<void> {
    if (Date.now() - this.lastViewAt > IDLE_STOP_MS) {
      clearInterval(this.timer);
      this.timer = undefined;
      return Promise.resolve();
    }
    this.sampling ??= this.takeSample()
      .catch((error) => logger().warn({ err: (error as Error).message }, 'console sample failed'))
      .finally(() => (this.sampling = undefined));
    return this.sampling;
  }

  private async takeSample(): Promise<void> {
    const [topics, health] = await Promise.all([this.topics(), this.stages()]);
    const { groups, committed } = await this.groups(topics);
    this.lastTopics = topics;
    this.lastGroups = groups;
    this.lastStages = health.stages;
    this.history.add({
      t: Date.now(),
      ends: Object.fromEntries(topics.map((t) => [t.topic, Number(t.end_offset)])),
      committed,
      lag: Object.fromEntries(groups.map((g) => [g.group, g.lag])),
      watermarkLag: health.watermarkLag,
    });
  }

  private render(): Overview {
    const samples = this.history.all();
    const latest = this.history.latest;
    const rated = samples.slice(1);
    const topics: Overview['series']['topics'] = {};
    for (const { topic } of this.topicRoles) {
      // Out: the fastest group reading the topic (its committed position moving).
      const outPerGroup = Object.keys(latest?.committed ?? {}).map((group) => rateSeries(samples, (s) => s.committed[group]?.[topic]));
      const out = rated.map((_, i) =>
        outPerGroup.reduce<number | null>((max, series) => (series[i] === null ? max : Math.max(max ?? 0, series[i]!)), null),
      );
      topics[topic] = { in: rateSeries(samples, (s) => s.ends[topic]), out };
    }
    const lag: Record<string, (number | null)[]> = {};
    for (const group of this.lastGroups.map((g) => g.group)) lag[group] = rated.map((s) => s.lag[group] ?? null);
    return {
      sampled_at: latest ? new Date(latest.t).toISOString() : null,
      interval_ms: this.config.sampleIntervalMs,
      stages: this.lastStages,
      topics: this.lastTopics,
      groups: this.lastGroups,
      watermark_lag_seconds: latest?.watermarkLag ?? null,
      series: { t: rated.map((s) => Math.round(s.t / 1000)), topics, lag, watermark_lag: rated.map((s) => s.watermarkLag) },
    };
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

async function probe(url: string): Promise<{ ok: boolean; body: string; detail: string }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    const body = await response.text();
    return { ok: response.ok, body, detail: response.ok ? 'ready' : `not ready (HTTP ${response.status})` };
  } catch {
    return { ok: false, body: '', detail: 'unreachable' };
  }
}
