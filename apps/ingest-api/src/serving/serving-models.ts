/** Shapes of the aggregate lookups, for the OpenAPI document. */
import { ApiProperty } from '@nestjs/swagger';

export class ServedWindowModel {
  @ApiProperty({ example: 'tumbling_1m' }) window_name!: string;
  @ApiProperty({ example: 'tumbling', enum: ['tumbling', 'sliding', 'session'] }) window_kind!: string;
  @ApiProperty({ example: 1767225600000, description: 'Inclusive, epoch ms' }) window_start!: number;
  @ApiProperty({ example: 1767225660000, description: 'Exclusive, epoch ms' }) window_end!: number;
  @ApiProperty() count!: number;
  @ApiProperty({ nullable: true, type: Number }) sum_value!: number | null;
  @ApiProperty({ nullable: true, type: Number }) avg_value!: number | null;
  @ApiProperty({ nullable: true, type: Number }) min_value!: number | null;
  @ApiProperty({ nullable: true, type: Number }) max_value!: number | null;
  @ApiProperty() distinct_users!: number;
  @ApiProperty({ description: 'Highest version committed so far; a higher one supersedes it' }) version!: number;
  @ApiProperty({ description: 'No later version can follow' }) is_final!: boolean;
  @ApiProperty({ description: 'When the processor emitted this version, epoch ms' }) processed_time!: number;
  @ApiProperty({ description: 'Always false in answers (a retracted session is not served)' }) retracted!: boolean;
}

export class FeatureVectorResponse {
  @ApiProperty({ example: 'events.iot.sensor' }) topic!: string;
  @ApiProperty({ example: 'iot.sensor' }) event_type!: string;
  @ApiProperty({ example: 'device-42' }) group_key!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/ServedWindowModel', nullable: true },
    description: 'Every configured window name: its latest window for this key, or null when it has none',
  })
  windows!: Record<string, ServedWindowModel | null>;
}

export class RecentWindowsResponse {
  @ApiProperty({ example: 'events.iot.sensor' }) topic!: string;
  @ApiProperty({ example: 'iot.sensor' }) event_type!: string;
  @ApiProperty({ example: 'device-42' }) group_key!: string;
  @ApiProperty({ example: 'tumbling_1m' }) window_name!: string;
  @ApiProperty({ type: [ServedWindowModel], description: 'Newest window_start first' }) windows!: ServedWindowModel[];
}
