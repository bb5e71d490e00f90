/**
 * What every service process needs around its own work: configuration read and validated at startup,
 * one logger and one metrics registry, health and shutdown, retries with backoff and deadlines, and
 * runService, which starts a service with them. NestJS parts live apart, in `@platform/runtime/nest`,
 * so the processor and the sink load none of it.
 */
export * from './config';
export * from './observability';
export * from './resilience';
