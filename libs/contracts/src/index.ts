export * from './envelope';
export * from './dlq';
export * from './dlq-filter';
export * from './api-error';
export * from './late';
