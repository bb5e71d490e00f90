/**
 * WebSocket streaming of a topic. Admission happens before the upgrade (token from the
 * Authorization header or ?access_token=, read scope, topic, query), so refusals are plain HTTP
 * answers in the error format. An admitted socket joins the topic's shared feed, receives a
 * `subscribed` message with its start offsets, then every event from there on in partition order.
 *
 * The aggregated topic streams the same way (`/api/v1/stream/<aggregated topic>` or `/aggregates`):
 * `event_type` is required there and decides the scope (aggregates:read:<type>), `group_key=a,b`
 * and `window=` narrow it; every committed version (corrections, retractions) arrives in order.
 */
import type { IncomingMessage } from 'http';
import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { WebSocket } from 'ws';
import { EventTypeSpec, PipelineConfig, logger } from '@platform/runtime';
import { PlatformError } from '@platform/contracts';
import { bearerToken, Principal, TokenVerifier } from '@platform/auth';
import { RegistryUnavailableError } from '@platform/schema';
import { INGEST_CONFIG, KAFKA, PIPELINE } from '../tokens';
import { authorizeTopic } from '../auth/topic-access';
import { IngestConfig } from '../config';
import { TopicDirectory } from '../events/topic-directory';
import { KafkaAdminGateway } from '../kafka/kafka-admin';
import { RangeReader } from '../kafka/range-reader';
import { SchemaGate } from '../schema/schema-gate';
import { ingestMetrics } from '../metrics';
import { FeedRecord, toFeedRecord, TopicFeed } from './topic-feed';
import { CLOSE_GOING_AWAY, CLOSE_POLICY, CLOSE_TRY_AGAIN_LATER, StreamConnection } from './stream-connection';
import { parseStreamRequest, planResume, startPositions, StreamFilters } from './subscription-plan';

export interface StreamAdmission {
  type: EventTypeSpec;
  /** The topic streamed: the event type's, or the aggregated topic. */
  topic: string;
  principal: Principal;
  filters: StreamFilters;
  start: Map<number, bigint>;
  feed: TopicFeed;
}

const CATCH_UP_TIMEOUT_MS = 30_000;

@Injectable()
export class StreamService implements BeforeApplicationShutdown {
  private readonly feeds = new Map<string, Promise<TopicFeed>>();
  private readonly connections = new Set<StreamConnection>();
  private readonly pinger: NodeJS.Timeout;
  private stopping = false;

  constructor(
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly topics: TopicDirectory,
    private readonly verifier: TokenVerifier,
    private readonly admin: KafkaAdminGateway,
    private readonly reader: RangeReader,
    private readonly schemas: SchemaGate,
    @Inject(PIPELINE) private readonly pipeline: PipelineConfig,
  ) {
    this.pinger = setInterval(() => this.ping(), config.wsPingIntervalMs);
    this.pinger.unref();
  }

  get openConnections(): number {
    return this.connections.size;
  }

  /** Decides on an upgrade request; throws a PlatformError (answered as HTTP) when refused. */
  async admit(request: IncomingMessage): Promise<StreamAdmission> {
    if (this.stopping) throw new PlatformError(503, 'SERVICE_UNAVAILABLE', 'the API is shutting down', null, 1);
    const parsed = parseStreamRequest(request.url ?? '/');
    const principal = await this.verifier.verify(bearerToken(request.headers.authorization) ?? parsed.token);
    const aggregated = this.pipeline.topics.aggregated.name;
    const filters = parsed.filters;
    let type: EventTypeSpec;
    let topic: string;
    if (parsed.topicSegment === aggregated || parsed.topicSegment === 'aggregates') {
      if (filters.eventType === undefined)
        throw new PlatformError(400, 'INVALID_QUERY', 'the aggregated stream needs event_type (it decides the scope)', {
          parameter: 'event_type',
        });
      type = authorizeTopic(this.topics, filters.eventType, principal, 'aggregates');
      filters.eventType = type.name;
      topic = aggregated;
    } else {
      type = authorizeTopic(this.topics, parsed.topicSegment, principal, 'read');
      if (filters.groupKeys || filters.windowName !== undefined) {
        throw new PlatformError(400, 'INVALID_QUERY', 'group_key and window filter the aggregated stream only', {
          parameter: filters.groupKeys ? 'group_key' : 'window',
        });
      }
      topic = type.topic;
    }
    if (!this.schemas.isRegistered) await this.schemas.ensureRegistered();
    const feed = await this.feed(topic);
    // The partition ends at this moment define "from the moment of connection".
    const ends = await this.admin.offsets(topic);
    return { type, topic, principal, filters, start: startPositions(ends, parsed.resumeFrom), feed };
  }

  /** Runs once the upgrade completed for an admitted request. */
  attach(socket: WebSocket, admission: StreamAdmission): void {
    const connection = new StreamConnection(
      socket,
      admission.filters,
      { maxBufferedBytes: this.config.wsMaxBufferedBytes, maxPendingRecords: 10_000 },
      (closed) => {
        admission.feed.leave(closed);
        if (this.connections.delete(closed)) ingestMetrics.openSockets.dec();
      },
    );
    this.connections.add(connection);
    ingestMetrics.openSockets.inc();
    socket.on('pong', () => (connection.alive = true));
    socket.on('close', () => connection.closedByPeer());
    socket.on('error', () => connection.closedByPeer());

    // Joining and planning happen in one synchronous step, before any record can arrive.
    const joinedAt = admission.feed.join(connection);
    const plan = planResume(admission.start, joinedAt);
    connection.startLiveAt(plan.liveFrom, admission.start);
    connection.send(
      JSON.stringify({
        type: 'subscribed',
        topic: admission.topic,
        from: Object.fromEntries([...admission.start].map(([p, o]) => [p, Number(o)])),
        filters: admission.filters,
      }),
    );
    if (plan.catchUp.length === 0) {
      connection.goLive();
      return;
    }
    if (plan.catchUpRecords > BigInt(this.config.wsResumeMaxRecords)) {
      connection.drop(CLOSE_POLICY, `resume range exceeds ${this.config.wsResumeMaxRecords} records`);
      return;
    }
    void this.catchUp(connection, admission, plan.catchUp);
  }

  private async catchUp(
    connection: StreamConnection,
    admission: StreamAdmission,
    ranges: ReturnType<typeof planResume>['catchUp'],
  ): Promise<void> {
    const deadline = Date.now() + CATCH_UP_TIMEOUT_MS;
    try {
      const byPartition = await this.reader.read(admission.topic, ranges, CATCH_UP_TIMEOUT_MS);
      const records: FeedRecord[] = [];
      for (const list of byPartition.values()) {
        for (const record of list) {
          if (!record.value) continue;
          const event = await this.decode(record.value);
          if (event)
            records.push(
              toFeedRecord(admission.topic, record.partition, record.offset, record.key ? record.key.toString('utf8') : null, event),
            );
        }
      }
      if (await connection.sendCatchUp(records, deadline)) connection.goLive();
    } catch (error) {
      logger().warn({ err: (error as Error).message, topic: admission.topic }, 'stream resume failed');
      connection.drop(CLOSE_TRY_AGAIN_LATER, 'could not read the resume range; retry');
    }
  }

  private feed(topic: string): Promise<TopicFeed> {
    let feed = this.feeds.get(topic);
    if (!feed) {
      const groupId = `ingest-stream.${this.config.instanceId}.${topic}`;
      const created = new TopicFeed(topic, this.kafka, this.admin, (value) => this.decode(value), groupId);
      feed = created.start().then(() => created);
      this.feeds.set(topic, feed);
      feed.catch((error) => {
        this.feeds.delete(topic);
        void created.stop();
        logger().warn({ err: (error as Error).message, topic }, 'stream feed did not start');
      });
    }
    return feed.catch(() => {
      throw new PlatformError(503, 'SERVICE_UNAVAILABLE', 'Kafka is unavailable; cannot stream now', null, 1);
    });
  }

  /** A record that is not an event is skipped; a registry outage fails the read (the feed skips, a resume is retried). */
  private async decode(value: Buffer): Promise<Record<string, unknown> | undefined> {
    const decoded = await this.schemas.decode(value);
    if (decoded.kind === 'unavailable') throw new RegistryUnavailableError(decoded.reason, decoded.schemaId);
    return decoded.kind === 'ok' ? decoded.value : undefined;
  }

  /** Terminates sockets that missed the previous ping, pings the rest. */
  private ping(): void {
    for (const connection of this.connections) {
      if (!connection.alive) {
        connection.socket.terminate();
        connection.closedByPeer();
        continue;
      }
      connection.alive = false;
      try {
        connection.socket.ping();
      } catch {
        connection.closedByPeer();
      }
    }
  }

  /** Before the HTTP server closes: every socket gets 1001 (going away) and the feeds stop. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.pinger);
    for (const connection of [...this.connections]) connection.drop(CLOSE_GOING_AWAY, 'server shutting down');
    const feeds = await Promise.allSettled([...this.feeds.values()]);
    this.feeds.clear();
    await Promise.all(feeds.map((f) => (f.status === 'fulfilled' ? f.value.stop() : undefined)));
    const groups = feeds
      .filter((f) => f.status === 'fulfilled')
      .map((f) => `ingest-stream.${this.config.instanceId}.${(f as PromiseFulfilledResult<TopicFeed>).value.topic}`);
    if (groups.length > 0) await this.admin.deleteGroups(groups);
  }
}
