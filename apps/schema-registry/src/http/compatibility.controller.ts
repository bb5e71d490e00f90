/** /compatibility: would this schema be accepted under the subject's compatibility level? */
import { Body, Controller, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CompatibilityResponse, RegistryService } from '../registry.service';
import { parseSchemaRequest, queryFlag } from './request-parsing';

@Controller('compatibility/subjects/:subject/versions')
export class CompatibilityController {
  constructor(private readonly registry: RegistryService) {}

  @Post(':version')
  @HttpCode(200)
  againstVersion(
    @Param('subject') subject: string,
    @Param('version') version: string,
    @Body() body: unknown,
    @Query('verbose') verbose?: string,
  ): Promise<CompatibilityResponse> {
    return this.registry.testCompatibility(subject, version, parseSchemaRequest(body, this.registry.limits), queryFlag(verbose));
  }

  /** Against every version the subject's level covers (all of them for the transitive levels). */
  @Post()
  @HttpCode(200)
  againstAll(@Param('subject') subject: string, @Body() body: unknown, @Query('verbose') verbose?: string): Promise<CompatibilityResponse> {
    return this.registry.testCompatibility(subject, undefined, parseSchemaRequest(body, this.registry.limits), queryFlag(verbose));
  }
}
