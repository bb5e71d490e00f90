/** /subjects: list, register, look up and delete subjects and their versions. */
import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Query } from '@nestjs/common';
import { RegistryService, VersionResponse } from '../registry.service';
import { parseSchemaRequest, queryFlag } from './request-parsing';
import { REGISTRY_CONTENT_TYPE } from './content-types';

@Controller('subjects')
export class SubjectsController {
  constructor(private readonly registry: RegistryService) {}

  @Get()
  list(@Query('deleted') deleted?: string, @Query('subjectPrefix') prefix?: string): string[] {
    return this.registry.listSubjects(queryFlag(deleted), prefix);
  }

  @Get(':subject/versions')
  versions(@Param('subject') subject: string, @Query('deleted') deleted?: string): Promise<number[]> {
    return this.registry.listVersions(subject, queryFlag(deleted));
  }

  @Post(':subject/versions')
  @HttpCode(200)
  register(@Param('subject') subject: string, @Body() body: unknown, @Query('normalize') normalize?: string) {
    return this.registry.register(subject, parseSchemaRequest(body, this.registry.limits), queryFlag(normalize));
  }

  @Get(':subject/versions/:version')
  version(
    @Param('subject') subject: string,
    @Param('version') version: string,
    @Query('deleted') deleted?: string,
  ): Promise<VersionResponse> {
    return this.registry.getVersion(subject, version, queryFlag(deleted));
  }

  /** The schema text itself, as Confluent serves it. */
  @Get(':subject/versions/:version/schema')
  @Header('content-type', REGISTRY_CONTENT_TYPE)
  async versionSchema(
    @Param('subject') subject: string,
    @Param('version') version: string,
    @Query('deleted') deleted?: string,
  ): Promise<string> {
    return (await this.registry.getVersion(subject, version, queryFlag(deleted))).schema;
  }

  @Get(':subject/versions/:version/referencedby')
  referencedBy(@Param('subject') subject: string, @Param('version') version: string): Promise<number[]> {
    return this.registry.referencedBy(subject, version);
  }

  /** Which version of the subject holds this schema (40403 when none does). */
  @Post(':subject')
  @HttpCode(200)
  lookup(
    @Param('subject') subject: string,
    @Body() body: unknown,
    @Query('normalize') normalize?: string,
    @Query('deleted') deleted?: string,
  ): Promise<VersionResponse> {
    return this.registry.lookup(subject, parseSchemaRequest(body, this.registry.limits), queryFlag(normalize), queryFlag(deleted));
  }

  @Delete(':subject')
  deleteSubject(@Param('subject') subject: string, @Query('permanent') permanent?: string): Promise<number[]> {
    return this.registry.deleteSubject(subject, queryFlag(permanent));
  }

  @Delete(':subject/versions/:version')
  deleteVersion(
    @Param('subject') subject: string,
    @Param('version') version: string,
    @Query('permanent') permanent?: string,
  ): Promise<number> {
    return this.registry.deleteVersion(subject, version, queryFlag(permanent));
  }
}
