/**
 * The ingest API: feature modules over a global core, built from validated config and the pipeline
 * (no env reads in here). Each provider starts and stops itself through Nest's lifecycle hooks; Nest
 * runs them core first at startup and core last at shutdown.
 */
import { DynamicModule, Module } from '@nestjs/common';
import { PipelineConfig } from '@platform/runtime';
import { OpsModule } from '@platform/runtime/nest';
import { IngestConfig } from './config';
import { CoreModule } from './core/core.module';
import { EventsModule } from './events/events.module';
import { StreamModule } from './stream/stream.module';
import { AdminModule } from './admin/admin.module';
import { HealthModule } from './health/health.module';
import { ServingModule } from './serving/serving.module';
import { ConsoleModule } from './console/console.module';

@Module({})
export class AppModule {
  static forRoot(config: IngestConfig, pipeline: PipelineConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config, pipeline),
        EventsModule,
        StreamModule,
        AdminModule,
        HealthModule,
        ...(config.serving.enabled ? [ServingModule] : []),
        OpsModule,
        ConsoleModule.forRoot(config, pipeline),
      ],
    };
  }
}
