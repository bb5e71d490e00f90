export * from './scopes';
export * from './settings';
export * from './token-cache';
export * from './token-verifier';
export * from './dev-token';
export * from './jwks-key-source';
