export * from './client';
export * from './codecs';
export * from './errors';
export * from './partitioner';
export * from './topics';
export * from './batching-producer';
export * from './read-to-end';
export * from './tasks';
