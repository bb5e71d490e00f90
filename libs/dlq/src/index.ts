export * from './filter';
export * from './dlq-store';
