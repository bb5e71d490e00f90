export * from './env';
export * from './kafka';
export * from './common';
export * from './pipeline';
export * from './topics';
export * from './portable';
