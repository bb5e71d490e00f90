/** HTTP mapping of the DLQ admin operations (list, replay); requires `admin:dlq` (or `admin`, `admin:*`). */
import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AdminAccessGuard, AdminArea } from '../auth/admin-access.guard';
import { ErrorResponse } from '../events/api-models';
import { DlqAdminService, parseDlqQuery, parseReplayBody } from './dlq-admin.service';

@ApiTags('admin')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorResponse })
@ApiResponse({ status: 403, type: ErrorResponse, description: 'Token lacks admin:dlq (or admin, admin:*)' })
@ApiResponse({ status: 503, type: ErrorResponse, description: 'Kafka unavailable' })
@Controller('api/v1/admin/dlq')
@AdminArea('dlq')
@UseGuards(AdminAccessGuard)
export class DlqAdminController {
  constructor(private readonly dlq: DlqAdminService) {}

  @Get()
  @ApiOperation({ summary: 'List dead-letter records, newest first' })
  @ApiQuery({ name: 'reason', required: false, description: 'error_type, e.g. BUSINESS_RULE, DESERIALIZATION, LATE, SINK_WRITE' })
  @ApiQuery({ name: 'source_topic', required: false })
  @ApiQuery({ name: 'since', required: false, description: 'ISO-8601 or epoch ms (last attempt time)' })
  @ApiQuery({ name: 'until', required: false })
  @ApiQuery({ name: 'event_id', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 1000, default 100' })
  async list(@Query() query: Record<string, unknown>) {
    const { filter, limit } = parseDlqQuery(query);
    const records = await this.dlq.list(filter, limit);
    return { count: records.length, records };
  }

  @Post('replay')
  @HttpCode(200)
  @ApiOperation({ summary: 'Replay chosen DLQ records to their source topic (same bytes, same event_id)' })
  @ApiResponse({ status: 200, description: 'One result per id: replayed (with the new partition/offset), not_found or skipped' })
  async replay(@Body() body: unknown) {
    const results = await this.dlq.replay(parseReplayBody(body));
    return { results };
  }
}
