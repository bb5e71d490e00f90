/** Online aggregate lookups: a key's feature vector, and the recent windows of one window name. */
import { Get, Req } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiResponse } from '@nestjs/swagger';
import type { TopicRequest } from '../auth/topic-access.guard';
import { ErrorResponse } from '../events/api-models';
import { TopicController } from '../http/topic-controller';
import { AggregateServingService, parseRecentQuery } from './aggregate-serving.service';
import { FeatureVectorResponse, RecentWindowsResponse } from './serving-models';

const TOPIC_PARAM = { name: 'topic', description: 'The event type (iot.sensor) or its Kafka topic (events.iot.sensor)' };
const KEY_PARAM = { name: 'key', description: "The group key (the event type's group_by value, e.g. a device id; URL-encoded)" };

@TopicController({
  path: 'api/v1/aggregates',
  tag: 'aggregates',
  access: 'aggregates',
  forbidden: 'Token lacks aggregates:read:<type> (or events:read:<topic>, a wildcard, or admin)',
  notFound: 'Unknown topic or window name',
  unavailable: 'The store is still catching up with the aggregated topic (Retry-After)',
})
@ApiResponse({ status: 400, type: ErrorResponse, description: 'Invalid key, limit or time bound' })
export class AggregatesController {
  constructor(private readonly serving: AggregateServingService) {}

  @Get(':topic/:key')
  @ApiOperation({ summary: 'Feature vector: the latest committed window of every configured window name for one key' })
  @ApiParam(TOPIC_PARAM)
  @ApiParam(KEY_PARAM)
  @ApiResponse({ status: 200, type: FeatureVectorResponse })
  async featureVector(@Req() request: TopicRequest): Promise<FeatureVectorResponse> {
    const type = request.eventType;
    const groupKey = request.params.key;
    const windows = await this.serving.featureVector(type, groupKey);
    return { topic: type.topic, event_type: type.name, group_key: groupKey, windows };
  }

  @Get(':topic/:key/windows/:window')
  @ApiOperation({ summary: 'Recent committed windows of one window name for one key, newest window_start first' })
  @ApiParam(TOPIC_PARAM)
  @ApiParam(KEY_PARAM)
  @ApiParam({ name: 'window', description: 'A window name from the pipeline config, e.g. tumbling_1m' })
  @ApiQuery({ name: 'limit', required: false, description: '1..SERVING_MAX_LIMIT (500), default 10' })
  @ApiQuery({ name: 'from', required: false, description: 'Only windows starting at or after this time (epoch ms or ISO-8601)' })
  @ApiQuery({ name: 'to', required: false, description: 'Only windows starting before this time (epoch ms or ISO-8601)' })
  @ApiResponse({ status: 200, type: RecentWindowsResponse })
  async recent(@Req() request: TopicRequest): Promise<RecentWindowsResponse> {
    const type = request.eventType;
    const { key: groupKey, window: windowName } = request.params;
    const query = parseRecentQuery(request.query ?? {}, this.serving.config.maxLimit);
    const windows = await this.serving.recent(type, groupKey, windowName, query);
    return { topic: type.topic, event_type: type.name, group_key: groupKey, window_name: windowName, windows };
  }
}
