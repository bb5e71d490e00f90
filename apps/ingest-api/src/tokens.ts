/** Injection tokens for the values the core module provides. */
export const INGEST_CONFIG = Symbol('INGEST_CONFIG');
export const PIPELINE = Symbol('PIPELINE');
export const KAFKA = Symbol('KAFKA');
export const IDEMPOTENCY_STORE = Symbol('IDEMPOTENCY_STORE');
