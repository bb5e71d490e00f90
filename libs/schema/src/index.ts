export * from './framing';
export * from './validation';
export * from './registry-client';
export * from './catalog';
export * from './decode';
