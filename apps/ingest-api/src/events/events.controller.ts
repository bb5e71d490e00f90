/**
 * HTTP mapping of publish, batch publish and latest events; the logic lives in the services. The two
 * publish routes are called by Fastify directly (DirectRoute: the same guard step, method and error
 * answers without NestJS's per-request dispatch).
 */
import { Get, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiParam, ApiQuery, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { PlatformError } from '@platform/contracts';
import { RequireScope, TopicRequest } from '../auth/topic-access.guard';
import { traceIdFromHeaders } from '../http/request-context';
import { DirectRoute } from '../http/direct-route';
import { AVRO_CONTENT_TYPES } from '../http/http-hooks';
import { TopicController } from '../http/topic-controller';
import { BatchInput, BatchResponse, ErrorResponse, EventInput, LatestResponse, PublishResponse } from './api-models';
import { EventsService } from './events.service';
import { LatestService, parseLimit } from './latest.service';

const TOPIC_PARAM = { name: 'topic', description: 'The Kafka topic (events.iot.sensor) or the event type (iot.sensor)' };

@TopicController({
  path: 'api/v1/events',
  tag: 'events',
  forbidden: 'Token lacks events:<action>:<topic> (or a wildcard, or admin)',
  notFound: 'Unknown topic',
  unavailable: 'Kafka or the schema registry unavailable; nothing was written',
})
export class EventsController {
  constructor(private readonly events: EventsService, private readonly latestEvents: LatestService) {}

  @Post(':topic')
  @DirectRoute()
  @RequireScope('write')
  @ApiOperation({ summary: 'Publish one event (JSON, or Confluent-framed Avro bytes)' })
  @ApiParam(TOPIC_PARAM)
  @ApiConsumes('application/json', ...AVRO_CONTENT_TYPES)
  @ApiBody({ type: EventInput })
  @ApiResponse({ status: 201, type: PublishResponse, description: 'Written and acknowledged by Kafka (acks=all)' })
  @ApiResponse({ status: 200, type: PublishResponse, description: 'Duplicate event_id: the first result, nothing new written' })
  @ApiResponse({ status: 400, type: ErrorResponse, description: 'Invalid JSON, schema mismatch, wrong event_type, missing partition key' })
  @ApiResponse({ status: 413, type: ErrorResponse })
  @ApiResponse({ status: 415, type: ErrorResponse })
  async publish(@Req() request: TopicRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<PublishResponse> {
    const traceId = traceIdFromHeaders(request.headers);
    const outcome = Buffer.isBuffer(request.body)
      ? await this.events.publishAvro(request.eventType, request.body, traceId)
      : await this.events.publishJson(request.eventType, request.body, traceId);
    if (outcome.duplicate) {
      reply.status(200).header('idempotent-replayed', 'true');
      return { ...outcome.result, duplicate: true };
    }
    reply.status(201);
    return outcome.result;
  }

  @Post(':topic/batch')
  @DirectRoute()
  @RequireScope('write')
  @ApiOperation({ summary: 'Publish many events; one result per event, in order' })
  @ApiParam(TOPIC_PARAM)
  @ApiBody({ type: BatchInput })
  @ApiResponse({ status: 201, type: BatchResponse, description: 'Every event written (or a duplicate)' })
  @ApiResponse({ status: 207, type: BatchResponse, description: 'Some events rejected (see their results); the valid ones were written' })
  @ApiResponse({ status: 400, type: ErrorResponse, description: 'No valid event (details.results), or not {events:[...]}' })
  @ApiResponse({ status: 413, type: ErrorResponse, description: 'More than BATCH_MAX_EVENTS events or BATCH_MAX_BYTES bytes' })
  async publishBatch(@Req() request: TopicRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<BatchResponse> {
    const body = request.body as { events?: unknown } | null;
    if (Buffer.isBuffer(body)) throw new PlatformError(415, 'UNSUPPORTED_MEDIA_TYPE', 'the batch endpoint takes JSON {events:[...]}');
    if (!body || typeof body !== 'object' || Array.isArray(body) || !Array.isArray(body.events)) {
      throw new PlatformError(400, 'INVALID_BATCH', 'the body must be {"events": [...]}');
    }
    const limits = this.events.batchLimits;
    if (body.events.length > limits.maxEvents) {
      throw new PlatformError(413, 'BATCH_TOO_LARGE', `a batch may hold at most ${limits.maxEvents} events`, { max_events: limits.maxEvents, got: body.events.length });
    }
    if (body.events.length === 0) throw new PlatformError(400, 'INVALID_BATCH', 'the batch holds no events');
    const outcome = await this.events.publishBatch(request.eventType, body.events, traceIdFromHeaders(request.headers));
    const summary = { results: outcome.results, accepted: outcome.accepted, duplicates: outcome.duplicates, rejected: outcome.rejected };
    if (outcome.failure) {
      // Some valid events were not written: never a 2xx. Retrying the whole batch is safe (idempotent).
      throw new PlatformError(outcome.failure.status, outcome.failure.errorCode, `${outcome.failure.message} (retry the batch; written events are deduplicated)`, summary, outcome.failure.retryAfterSeconds);
    }
    if (outcome.accepted + outcome.duplicates === 0) throw new PlatformError(400, 'BATCH_REJECTED', 'no event in the batch is valid', summary);
    reply.status(outcome.rejected > 0 ? 207 : 201);
    return summary as BatchResponse;
  }

  @Get(':topic/latest')
  @RequireScope('read')
  @ApiOperation({ summary: 'The most recent events of a topic, newest event time first, read from Kafka' })
  @ApiParam(TOPIC_PARAM)
  @ApiQuery({ name: 'limit', required: false, description: '1..1000, default 10' })
  @ApiResponse({ status: 200, type: LatestResponse })
  async latest(@Req() request: TopicRequest): Promise<LatestResponse> {
    const limit = parseLimit(request.query?.limit);
    const events = await this.latestEvents.latest(request.eventType, limit);
    return { topic: request.eventType.topic, events };
  }
}
