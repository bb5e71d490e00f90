/** The NestJS side of observability (the ops endpoints as a Nest module), apart so that the processor and sink, which run without Nest, never load it. */
export * from './ops.module';
export * from './ops.controller';
export * from './nest-logger';
