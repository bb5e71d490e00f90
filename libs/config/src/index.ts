export * from './env';
export * from './pipeline';
