/** /config and /mode: compatibility levels (global and per subject) and the registry's mode. */
import { Body, Controller, Delete, Get, Param, Put, Query } from '@nestjs/common';
import { RegistryService } from '../registry.service';
import { parseCompatibilityUpdate, parseModeUpdate, queryFlag } from './request-parsing';

@Controller()
export class ConfigController {
  constructor(private readonly registry: RegistryService) {}

  @Get('config')
  global() {
    return this.registry.globalCompatibility();
  }

  @Put('config')
  setGlobal(@Body() body: unknown) {
    return this.registry.setCompatibility(null, parseCompatibilityUpdate(body));
  }

  /** Resets the global level to the default (BACKWARD); answers the level it replaced. */
  @Delete('config')
  resetGlobal() {
    return this.registry.deleteCompatibility(null);
  }

  @Get('config/:subject')
  subject(@Param('subject') subject: string, @Query('defaultToGlobal') defaultToGlobal?: string) {
    return this.registry.subjectCompatibility(subject, queryFlag(defaultToGlobal));
  }

  @Put('config/:subject')
  setSubject(@Param('subject') subject: string, @Body() body: unknown) {
    return this.registry.setCompatibility(subject, parseCompatibilityUpdate(body));
  }

  @Delete('config/:subject')
  deleteSubject(@Param('subject') subject: string) {
    return this.registry.deleteCompatibility(subject);
  }

  @Get('mode')
  mode() {
    return this.registry.mode();
  }

  @Put('mode')
  setMode(@Body() body: unknown) {
    return this.registry.setMode(parseModeUpdate(body));
  }
}
