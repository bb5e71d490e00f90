export * from './logger';
export * from './metrics';
export * from './build-info';
export * from './health';
export * from './http-server';
export * from './shutdown';
export * from './run-service';
