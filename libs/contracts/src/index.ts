export * from './envelope';
export * from './dlq';
export * from './api-error';
export * from './late';
