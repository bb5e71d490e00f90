/** /metrics and health endpoints for the NestJS apps (the same registries the ops server serves). */
import { Controller, Get, Header, HttpCode, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { registry } from '../observability/metrics';
import { health } from '../observability/health';

@ApiExcludeController()
@Controller()
export class OpsController {
  @Get('metrics')
  @Header('content-type', registry.contentType)
  metrics(): Promise<string> {
    return registry.metrics();
  }

  @Get('health/live')
  @HttpCode(200)
  live(): { live: true } {
    return { live: true };
  }

  @Get(['health', 'health/ready'])
  async ready(@Res({ passthrough: true }) reply: { status(code: number): unknown }) {
    const report = await health.report();
    reply.status(report.ready ? 200 : 503);
    return report;
  }
}
