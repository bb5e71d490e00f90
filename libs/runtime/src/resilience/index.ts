export * from './backoff';
export * from './deadlines';
