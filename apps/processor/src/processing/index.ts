export * from './reference-table';
export * from './rules';
export * from './repartition';
export * from './state-codec';
