/** The registry's HTTP module: the Confluent REST API plus /metrics and /health, over one schemas log. */
import { DynamicModule, Module } from '@nestjs/common';
import { OpsModule } from '@platform/runtime/nest';
import { CompatibilityController } from './http/compatibility.controller';
import { ConfigController } from './http/config.controller';
import { RootController } from './http/root.controller';
import { SchemasController } from './http/schemas.controller';
import { SubjectsController } from './http/subjects.controller';
import { DEFAULT_SCHEMA_LIMITS, SchemaLimits } from './http/request-parsing';
import { RegistryService, SCHEMA_LIMITS, SCHEMA_LOG } from './registry.service';
import { SchemaLog } from './store/schema-log';

@Module({})
export class SchemaRegistryModule {
  static forLog(log: SchemaLog, limits: SchemaLimits = DEFAULT_SCHEMA_LIMITS): DynamicModule {
    return {
      module: SchemaRegistryModule,
      imports: [OpsModule],
      controllers: [RootController, SubjectsController, SchemasController, CompatibilityController, ConfigController],
      providers: [{ provide: SCHEMA_LOG, useValue: log }, { provide: SCHEMA_LIMITS, useValue: limits }, RegistryService],
    };
  }
}
