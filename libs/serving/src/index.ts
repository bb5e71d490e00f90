export * from './window-book';
export * from './serving-state';
