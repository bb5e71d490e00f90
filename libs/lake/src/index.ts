export * from './layout';
export * from './store';
export * from './local-store';
export * from './s3-store';
export * from './parquet';
export * from './lake-writer';
