/**
 * A chaos run: the whole pipeline (private broker, registry, ingest API, processor, sink into
 * PostgreSQL and a local lake) under load while apps are killed with SIGKILL at random moments and
 * the broker is restarted once; then the output is checked against what the API acknowledged.
 * Bounded in time, loopback only, and isolated: its own broker ports, topics, groups and database.
 */
import { rmSync } from 'fs';
import { Client } from 'pg';
import { createKafka, kafkaSettingsFromEnv } from '@platform/kafka';
import { AppProcess, PrivateCluster } from '../support/processes';
import { AppName, PrivatePlatform } from '../support/platform';
import { Ledger, LedgerEntry, postUntilAnswered, seededRandom, TrafficGenerator } from './traffic';
import { repartitionTopic } from '../../apps/processor/src/topology';
import { compareAggregates, dlqEventIds, exactlyOnce, lakeContents, atLeastOnceOnly, lateEventIds, ledgerSummary, locateMissingEvents, offlineAggregates, rawEventIds, Verdict, warehouseAggregates } from './verify';

export interface ChaosOptions {
  /** How long traffic flows. */
  seconds: number;
  /** Events per second offered. */
  rate: number;
  /** SIGKILLs spread over the run (cycling through processor, sink and ingest API). */
  kills: number;
  restartBroker: boolean;
  seed: number;
  /** How long the output may take to settle after traffic stops. */
  settleSeconds: number;
  /** Ports are basePort + 92 (broker), +93 (controller), +81 (registry), +0 (API), +101, +102 (ops). */
  basePort: number;
  keepWorkDir: boolean;
  /** When > 0, each app's RSS is sampled this often (seconds) and its growth reported. */
  rssSampleSeconds: number;
  /**
   * Run on a private 3-node cluster (replication 3, min ISR 2) instead of one broker; `secure`: SASL_SSL
   * with a SCRAM user and ACLs per app. On a cluster, restartBroker is a rolling restart of all nodes.
   */
  cluster?: { secure: boolean };
  /** On a cluster: how many times the node leading the most event partitions is killed with SIGKILL (and started again). */
  leaderKills: number;
  /** On a cluster: how many times the transaction coordinator of the processor's window tasks is killed with SIGKILL. */
  coordinatorKills: number;
  /** Instances of the ingest API, processor and sink; with 2, the kills pick among all instances and traffic alternates between the APIs. */
  instances: 1 | 2;
  /** Overrides the pipeline's dedupe TTL (the soak shortens it so state reaches its steady size early). */
  dedupeTtl?: string;
  log: (line: string) => void;
}

export const DEFAULT_CHAOS: ChaosOptions = {
  seconds: 120,
  rate: 300,
  kills: 6,
  restartBroker: true,
  seed: Date.now() % 1_000_000,
  settleSeconds: 150,
  basePort: 19000,
  keepWorkDir: false,
  rssSampleSeconds: 0,
  leaderKills: 0,
  coordinatorKills: 0,
  instances: 1,
  log: (line) => console.log(line),
};

export interface ChaosReport extends Verdict {
  workDir: string;
  seed: number;
  /** app name -> RSS samples in MiB, when sampling was asked for. */
  rss: Record<string, number[]>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runChaos(partial: Partial<ChaosOptions> = {}): Promise<ChaosReport> {
  const options = { ...DEFAULT_CHAOS, ...partial };
  const { log } = options;
  const random = seededRandom(options.seed);
  // A short idle timeout so that, once traffic stops, the quiet partitions release the watermark.
  // A short idempotency window, so that re-POSTed events really reach Kafka twice and the
  // processor's and sink's own deduplication is what keeps them from counting twice.
  const platform = new PrivatePlatform({
    basePort: options.basePort,
    watermark: { idle_timeout: '3s' },
    dedupeTtl: options.dedupeTtl,
    // On a cluster, a request waits out a leader failover instead of answering 503: the controller
    // declares a killed node dead after its 9 s session timeout, then elects, then clients refresh
    // metadata, which on two loaded cores has taken up to 15 s (the default PRODUCE_TIMEOUT).
    // Node checks the header deadline in a timer, and after a stall its timers run before it reads the
    // sockets: an app that two loaded cores starve for 5 s answers 408 to a request whose bytes arrived in
    // time. The cluster run (three brokers and seven apps on two cores) gives both deadlines room.
    ingestEnv: { IDEMPOTENCY_TTL: '2s', ...(options.cluster ? { PRODUCE_TIMEOUT: '25s', HTTP_HEADERS_TIMEOUT: '20s', HTTP_REQUEST_TIMEOUT: '30s' } : {}) },
    sinkEnv: { SINK_FLUSH_INTERVAL: '1s' },
    cluster: options.cluster,
    instances: options.instances,
  });
  const { pipeline, broker, workDir } = platform;
  log(
    `chaos: seed ${options.seed}, work dir ${workDir}, ${options.seconds}s at ${options.rate} events/s, ${options.instances} instance(s) per app, ${options.kills} kills${options.restartBroker ? ', one broker restart' : ''}`,
  );
  const problems: string[] = [];
  const figures: Record<string, number> = {};
  const ledger = new Ledger();
  const rss: Record<string, number[]> = {};
  const leaderKills: NodeKills = { count: 0, coordinators: 0, longestBackMs: 0 };
  let pg: Client | undefined;

  try {
    await platform.start();
    log('chaos: platform up; traffic starts');

    const posters = platform.apiUrls.map((apiUrl) => ({ apiUrl, token: platform.token(), giveUpAfterMs: 120_000 }));
    let posted = 0;
    const generator = new TrafficGenerator(random, Math.min(3000, pipeline.watermark.maxOutOfOrdernessMs - 1000));
    const inFlight = new Set<Promise<void>>();
    const post = (topic: string, entries: LedgerEntry[]) => {
      const p: Promise<void> = postUntilAnswered(posters[posted++ % posters.length], topic, entries, ledger)
        .catch((error) => {
          problems.push((error as Error).message);
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    };

    const started = Date.now();
    const durationMs = options.seconds * 1000;
    // Late events only once every window task has a watermark: before that an old event is, correctly,
    // on time (a fault early in a run on a loaded machine can delay that well past the first seconds).
    generator.lateEventsFrom = Infinity;
    const watermarks = waitForWatermarks(platform, pipeline.topics.aggregated.partitions, started + durationMs).then((ready) => {
      if (ready) generator.lateEventsFrom = Date.now();
      log(ready ? `chaos: every window task has a watermark after ${Math.round((Date.now() - started) / 1000)}s; late events start` : 'chaos: no watermark on every task during traffic: no late events sent');
    });
    const chaos = runFaults(options, platform, random, started, durationMs, log, leaderKills);
    const sampler = options.rssSampleSeconds > 0 ? setInterval(() => sampleRss(platform, rss), options.rssSampleSeconds * 1000) : undefined;
    const tickMs = 250;
    const perTick = Math.max(1, Math.round((options.rate * tickMs) / 1000 / pipeline.eventTypes.length));
    let maxTimestamp = 0;
    for (let tick = 0; Date.now() - started < durationMs; tick++) {
      const now = Date.now();
      for (const type of pipeline.eventTypes) {
        const entries = Array.from({ length: perTick }, () => generator.make(type.name, now));
        if (random() < 0.3) {
          const again = generator.duplicate(type.name);
          if (again) entries.push(again);
        }
        for (const e of entries) if (e.kind !== 'late') maxTimestamp = Math.max(maxTimestamp, e.event.timestamp);
        post(type.topic, entries);
      }
      while (inFlight.size > 24) await Promise.race(inFlight);
      const wait = started + (tick + 1) * tickMs - Date.now();
      if (wait > 0) await sleep(wait);
    }
    await chaos;
    await watermarks;
    await Promise.all(inFlight);
    // Faults early in a run on a loaded machine can keep some task without a watermark for the whole
    // traffic phase: the late events are then sent once every task has one, before the final flush.
    if (ledger.ofKind('late').length === 0 && (await waitForWatermarks(platform, pipeline.topics.aggregated.partitions, Date.now() + options.settleSeconds * 1000))) {
      for (const type of pipeline.eventTypes) post(type.topic, [generator.make(type.name, Date.now(), 'late'), generator.make(type.name, Date.now(), 'late')]);
      await Promise.all(inFlight);
      log(`chaos: every window task has a watermark after ${Math.round((Date.now() - started) / 1000)}s; late events sent after the traffic`);
    }
    if (sampler) clearInterval(sampler);
    // One event per type far ahead in event time: once the other partitions go idle, the watermark
    // passes every window of the run, so all of them fire.
    const flushTime = maxTimestamp + 45 * 60_000;
    for (const type of pipeline.eventTypes) {
      post(type.topic, [generator.make(type.name, flushTime, 'valid')]);
    }
    await Promise.all(inFlight);
    const killsOf = (name: AppName) => platform.instancesOf(name).reduce((n, app) => n + app.kills, 0);
    Object.assign(figures, ledgerSummary(ledger), {
      kills: killsOf('processor') + killsOf('sink') + killsOf('ingest'),
      processorKills: killsOf('processor'),
      sinkKills: killsOf('sink'),
      ingestKills: killsOf('ingest'),
      brokerRestarts: broker.restarts,
      leaderKills: leaderKills.count,
      coordinatorKills: leaderKills.coordinators,
      nodeBackMs: leaderKills.longestBackMs,
      failedPosts: ledger.failedPosts,
      longestPostMs: ledger.longestPostMs,
      unexpectedExits: platform.unexpectedExits(),
      trafficSeconds: Math.round((Date.now() - started) / 1000),
    });
    problems.push(...ledger.wrongAnswers.slice(0, 20));
    if (ledger.wrongAnswers.length > 20) problems.push(`... and ${ledger.wrongAnswers.length - 20} more wrong answers`);
    log(`chaos: traffic done: ${JSON.stringify(figures)}; waiting for the output to settle`);
    if (ledger.failures.length > 0) log(`chaos: failed attempts (first ${ledger.failures.length}):\n  ${ledger.failures.join('\n  ')}`);

    const counted = ledger.ofKind('valid');
    const expectedAggregates = offlineAggregates(pipeline, counted, flushTime - pipeline.watermark.maxOutOfOrdernessMs);
    const expectedRaw = new Set(ledger.acknowledged.keys());
    figures.expectedAggregates = expectedAggregates.size;
    pg = new Client(platform.warehouseConnection);
    await pg.connect();
    const settleStart = Date.now();
    let rawProblems: string[] = ['not checked'];
    let aggregateProblems: string[] = ['not checked'];
    let lakeProblems: string[] = ['not checked'];
    const rawTopics = pipeline.eventTypes.map((t) => t.topic);
    while (Date.now() - settleStart < options.settleSeconds * 1000) {
      await platform.reviveDead();
      try {
        rawProblems = exactlyOnce('raw.events', expectedRaw, await rawEventIds(pg));
        aggregateProblems = compareAggregates(expectedAggregates, await warehouseAggregates(pg));
      } catch (error) {
        rawProblems = [`warehouse not readable yet: ${(error as Error).message}`];
      }
      // The lake has its own consumer group and may trail the warehouse.
      if (rawProblems.length === 0 && aggregateProblems.length === 0) {
        const lake = await lakeContents(platform.lakeDir, rawTopics).catch((error) => ({ error: error as Error }));
        lakeProblems = 'error' in lake ? [`lake not readable: ${lake.error.message}`] : atLeastOnceOnly('lake', expectedRaw, lake.ids);
        if (lakeProblems.length === 0) break;
      }
      await sleep(2000);
    }
    figures.settleSeconds = Math.round((Date.now() - settleStart) / 1000);
    problems.push(...rawProblems);
    if (aggregateProblems.length > 0) problems.push(`aggregates differ from the offline recomputation in ${aggregateProblems.length} ways, e.g. ${aggregateProblems.slice(0, 5).join('; ')}`);

    // Graceful stops flush the lake's buffers; then the lake, DLQ and late topic are read.
    for (const name of ['ingest', 'processor', 'sink'] as const) for (const app of platform.instancesOf(name)) await app.stop();
    const lake = await lakeContents(platform.lakeDir, rawTopics);
    problems.push(...atLeastOnceOnly('lake', expectedRaw, lake.ids));
    if (lake.repeatedRecords > 0) problems.push(`lake: ${lake.repeatedRecords} Kafka records stored more than once`);
    figures.lakeRows = [...lake.ids.values()].reduce((a, b) => a + b, 0);
    const kafka = createKafka(
      broker instanceof PrivateCluster ? kafkaSettingsFromEnv('chaos-verify', await broker.clientEnv('admin')) : { brokers: [broker.address], clientId: 'chaos-verify' },
    );
    const ruleBreaking = new Set(ledger.ofKind('rule-breaking').map((e) => e.event_id));
    problems.push(...exactlyOnce('processor DLQ', ruleBreaking, await dlqEventIds(kafka, pipeline.topics.dlq.name, 'processor')));
    problems.push(...exactlyOnce('late topic', new Set(ledger.ofKind('late').map((e) => e.event_id)), await lateEventIds(kafka, pipeline.topics.late.name)));
    if (aggregateProblems.length > 0) log(`chaos: ${await locateMissingEvents(kafka, repartitionTopic(pipeline), new Set(counted.map((e) => e.event_id)))}`);
    if (figures.unexpectedExits > 0) log(`chaos: note: apps exited on their own ${figures.unexpectedExits} times (restarted); see ${workDir}/*.log`);
  } catch (error) {
    problems.push(`chaos run failed: ${(error as Error).stack ?? error}`);
  } finally {
    await pg?.end().catch(() => undefined);
    await platform.stop(problems.length === 0);
    if (problems.length === 0 && !options.keepWorkDir) rmSync(workDir, { recursive: true, force: true });
  }
  const ok = problems.length === 0;
  log(ok ? `chaos: OK — zero lost, zero duplicated; ${JSON.stringify(figures)}` : `chaos: FAILED (${problems.length} problems; logs in ${workDir}):\n  ${problems.join('\n  ')}`);
  return { ok, problems, figures, workDir, seed: options.seed, rss };
}

function sampleRss(platform: PrivatePlatform, into: Record<string, number[]>): void {
  for (const app of platform.allApps()) {
    const mib = app.rssMiB();
    if (mib !== undefined) (into[app.label] ??= []).push(mib);
  }
}

/** SIGKILLs at random moments (each followed by a restart) and one broker restart, within the run. */
/** Polls the processors' metrics until every window task reports a watermark (or `deadline` passes). */
async function waitForWatermarks(platform: PrivatePlatform, tasks: number, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    const seen = new Set<string>();
    for (const url of platform.processorMetricsUrls()) {
      const text = await fetch(url, { signal: AbortSignal.timeout(2000) })
        .then((r) => r.text())
        .catch(() => '');
      for (const match of text.matchAll(/^processor_watermark_lag_seconds\{task="(\d+)"/gm)) seen.add(match[1]);
    }
    if (seen.size >= tasks) return true;
    await sleep(1000);
  }
  return false;
}

interface NodeKills {
  count: number;
  coordinators: number;
  longestBackMs: number;
}

async function runFaults(
  options: ChaosOptions,
  platform: PrivatePlatform,
  random: () => number,
  started: number,
  durationMs: number,
  log: (l: string) => void,
  leaderKills: NodeKills,
): Promise<void> {
  const { broker } = platform;
  // Cycles through the apps, and through their instances on each pass.
  const victims: AppProcess[] = [];
  const perApp = (['processor', 'sink', 'ingest'] as const).map((name) => platform.instancesOf(name));
  for (let round = 0; round < perApp[0].length; round++) for (const instances of perApp) victims.push(instances[round]);
  type Fault = { at: number; run: () => Promise<void>; what: string };
  const faults: Fault[] = [];
  for (let i = 0; i < options.kills; i++) {
    const slot = durationMs * (0.1 + (0.75 * (i + random())) / Math.max(1, options.kills));
    const app = victims[i % victims.length];
    faults.push({
      at: slot,
      what: `kill -9 ${app.label}`,
      run: async () => {
        await app.kill9();
        await sleep(300 + random() * 1500);
        // A restart on a loaded 2-core machine during a broker restart can take minutes (JVMs warming up, the registry catching up).
        await app.start(240_000);
      },
    });
  }
  if (broker instanceof PrivateCluster) {
    const topic = platform.pipeline.eventTypes[0].topic;
    const killNode = async (node: number) => {
      await broker.kill(node);
      const killed = Date.now();
      log(`chaos: node ${node} killed`);
      await sleep(5000 + random() * 5000);
      await broker.startNode(node);
      leaderKills.longestBackMs = Math.max(leaderKills.longestBackMs, Date.now() - killed);
    };
    for (let i = 0; i < options.leaderKills; i++) {
      faults.push({
        at: durationMs * (0.2 + (0.25 * (i + random())) / options.leaderKills),
        what: `kill -9 of the node leading most partitions of ${topic}`,
        run: async () => {
          await killNode(await broker.leader(topic));
          leaderKills.count++;
        },
      });
    }
    // The coordinator of window task 0's transactions: its transactions must be completed or aborted by the next coordinator.
    const transactionalId = `${platform.processorGroup}-b-0`;
    for (let i = 0; i < options.coordinatorKills; i++) {
      faults.push({
        at: durationMs * (0.5 + (0.3 * (i + random())) / options.coordinatorKills),
        what: `kill -9 of the transaction coordinator of ${transactionalId}`,
        run: async () => {
          await killNode(await broker.transactionCoordinator(transactionalId));
          leaderKills.coordinators++;
        },
      });
    }
  }
  if (options.restartBroker) {
    const what = broker instanceof PrivateCluster ? 'rolling restart of the 3 nodes' : 'restart broker';
    faults.push({ at: durationMs * (0.55 + random() * 0.1), what, run: () => broker.restart() });
  }
  faults.sort((a, b) => a.at - b.at);
  for (const fault of faults) {
    const wait = started + fault.at - Date.now();
    if (wait > 0) await sleep(wait);
    const t0 = Date.now();
    await fault.run();
    log(`chaos: ${fault.what} at ${Math.round((t0 - started) / 1000)}s (back after ${Date.now() - t0} ms)`);
    // An app that died on its own is restarted, so a crash bug shows as wrong output, not a hang.
    await platform.reviveDead();
  }
}
