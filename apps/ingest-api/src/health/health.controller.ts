/** GET /api/v1/health (readiness detail), /api/v1/health/live, /api/v1/health/ready. */
import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { IngestHealth } from './ingest-health';

@ApiTags('health')
@Controller('api/v1/health')
export class HealthController {
  constructor(private readonly health: IngestHealth) {}

  @Get()
  @ApiOperation({ summary: 'Liveness and readiness with the state of Kafka and the schema registry' })
  async report(@Res({ passthrough: true }) reply: FastifyReply) {
    const report = await this.health.report();
    reply.status(report.ready ? 200 : 503);
    return report;
  }

  @Get('live')
  live() {
    return { live: true };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const report = await this.health.report();
    reply.status(report.ready ? 200 : 503);
    return { ready: report.ready, kafka_connected: report.kafka_connected, schema_registry_connected: report.schema_registry_connected };
  }
}
