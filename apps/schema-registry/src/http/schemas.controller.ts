/** /schemas: schemas by their global id, and the schema types served. */
import { Controller, Get, Header, Param, Query } from '@nestjs/common';
import { RegistryService, SchemaByIdResponse } from '../registry.service';
import { parseSchemaId, queryFlag } from './request-parsing';
import { REGISTRY_CONTENT_TYPE } from './content-types';

@Controller('schemas')
export class SchemasController {
  constructor(private readonly registry: RegistryService) {}

  @Get('types')
  types(): string[] {
    return ['AVRO'];
  }

  /** `?subject=` is accepted (clients send it); ids are global, so it does not narrow the answer. */
  @Get('ids/:id')
  byId(@Param('id') id: string, @Query('fetchMaxId') fetchMaxId?: string): Promise<SchemaByIdResponse> {
    return this.registry.schemaById(parseSchemaId(id), queryFlag(fetchMaxId));
  }

  @Get('ids/:id/schema')
  @Header('content-type', REGISTRY_CONTENT_TYPE)
  async schemaText(@Param('id') id: string): Promise<string> {
    return (await this.registry.schemaById(parseSchemaId(id), false)).schema;
  }

  @Get('ids/:id/versions')
  versions(@Param('id') id: string, @Query('deleted') deleted?: string): Promise<Array<{ subject: string; version: number }>> {
    return this.registry.usagesOfId(parseSchemaId(id), queryFlag(deleted));
  }

  @Get('ids/:id/subjects')
  async subjects(@Param('id') id: string, @Query('deleted') deleted?: string): Promise<string[]> {
    const usages = await this.registry.usagesOfId(parseSchemaId(id), queryFlag(deleted));
    return [...new Set(usages.map((usage) => usage.subject))];
  }
}
