/**
 * Shapes for the OpenAPI document only. Request bodies are validated by the event type's Avro
 * schema (the schema is the DTO), not by class-validator, which would add a second, drifting
 * definition and a per-request transform on the hot path.
 */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class EventInput {
  @ApiProperty({ example: 'evt-0001', description: 'Unique per event; a repeat within IDEMPOTENCY_TTL writes nothing new' }) event_id!: string;
  @ApiProperty({ example: '2024-01-15T10:30:00Z', description: 'Event time: ISO-8601 or epoch ms' }) timestamp!: string;
  @ApiProperty({ example: 'iot.sensor', description: 'Must be the event type the pipeline maps to the topic' }) event_type!: string;
  @ApiPropertyOptional({ example: 'user-7' }) user_id?: string;
  @ApiPropertyOptional({ example: 'device-42', description: 'Partition key for iot.sensor (user_id for the others)' }) device_id?: string;
  @ApiPropertyOptional({ description: 'Generated when absent (or taken from traceparent / x-trace-id)' }) trace_id?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } }) metadata?: Record<string, string>;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { temperature: 22.5, humidity: 65 } }) payload!: Record<string, unknown>;
}

export class BatchInput {
  @ApiProperty({ type: [EventInput], description: 'At most BATCH_MAX_EVENTS (1000) events and BATCH_MAX_BYTES (5 MB)' }) events!: EventInput[];
}

export class PublishResponse {
  @ApiProperty({ example: 'published' }) status!: string;
  @ApiProperty() event_id!: string;
  @ApiProperty({ example: 'events.iot.sensor' }) topic!: string;
  @ApiProperty() partition!: number;
  @ApiProperty() offset!: number;
  @ApiProperty({ description: 'The event time, ISO-8601' }) timestamp!: string;
  @ApiPropertyOptional({ description: 'Present (true) when the event_id was already written: the first result, nothing new written' }) duplicate?: boolean;
}

export class BatchItem extends PublishResponse {
  @ApiProperty() index!: number;
  @ApiPropertyOptional({ description: 'For status "rejected"' }) error_code?: string;
  @ApiPropertyOptional() message?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) details?: Record<string, unknown>;
}

export class BatchResponse {
  @ApiProperty({ type: [BatchItem] }) results!: BatchItem[];
  @ApiProperty() accepted!: number;
  @ApiProperty() duplicates!: number;
  @ApiProperty() rejected!: number;
}

export class LatestResponse {
  @ApiProperty() topic!: string;
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: '{topic, partition, offset, key, event}, newest event time first' }) events!: unknown[];
}

export class ErrorResponse {
  @ApiProperty({ example: 'SCHEMA_VALIDATION_FAILED' }) error_code!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) details!: Record<string, unknown> | null;
  @ApiProperty() timestamp!: string;
  @ApiProperty() request_id!: string;
}
