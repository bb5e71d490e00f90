/** The registry's settings, read once at startup. */
import { authSettingsFromEnv, TokenVerifier } from '@platform/auth';
import { commonEnv, ConfigError, ConfigOf, env, loadEnv } from '@platform/runtime';
import { parseRegistryUsers, RegistryAuth } from './auth/registry-auth';
import type { SchemaLimits } from './http/request-parsing';

export const registryEnv = {
  port: env.int('PORT', { default: 8081, min: 0, max: 65535 }),
  host: commonEnv.host,
  kafkaBrokers: commonEnv.kafkaBrokers,
  kafkaSecurity: commonEnv.kafkaSecurity,
  kafkaCompression: commonEnv.kafkaCompression,
  kafkaReplicationFactor: commonEnv.kafkaReplicationFactor,
  kafkaMinInsyncReplicas: commonEnv.kafkaMinInsyncReplicas,
  schemasTopic: env.string('SCHEMAS_TOPIC', { default: '_schemas' }),
  logLevel: commonEnv.logLevel,
  startRetryTimeoutMs: commonEnv.startRetryTimeoutMs,
  auth: env.oneOf('REGISTRY_AUTH', ['required', 'none'] as const, { default: 'required' }),
  users: env.optionalSecret('REGISTRY_USERS'),
  jwtSecret: env.optionalString('JWT_SECRET'),
  jwksUrl: env.optionalUrl('JWKS_URL'),
  maxSchemaBytes: env.int('REGISTRY_MAX_SCHEMA_BYTES', { default: 256 * 1024, min: 1024 }),
  maxSchemaDepth: env.int('REGISTRY_MAX_SCHEMA_DEPTH', { default: 64, min: 4 }),
};

/** The environment's fields, with the auth mode and schema bounds parsed. */
export type RegistryConfig = Omit<
  ConfigOf<typeof registryEnv>,
  'auth' | 'users' | 'jwtSecret' | 'jwksUrl' | 'maxSchemaBytes' | 'maxSchemaDepth'
> & {
  auth: RegistryAuth;
  schemaLimits: SchemaLimits;
};

/**
 * Secure by default: without REGISTRY_USERS (or _FILE) and without a JWT key source the registry
 * refuses to start, unless REGISTRY_AUTH=none says explicitly that it runs unauthenticated.
 */
export function loadRegistryConfig(source: Record<string, string | undefined> = process.env): RegistryConfig {
  const raw = loadEnv(registryEnv, source);
  const { users: usersText, jwtSecret, jwksUrl, auth: mode, maxSchemaBytes, maxSchemaDepth, ...rest } = raw;
  let auth: RegistryAuth;
  if (mode === 'none') {
    auth = { mode: 'none' };
  } else {
    let users;
    try {
      users = usersText === undefined ? [] : parseRegistryUsers(usersText);
    } catch (error) {
      throw new ConfigError([`REGISTRY_USERS: ${(error as Error).message}`]);
    }
    const tokens = jwtSecret || jwksUrl ? new TokenVerifier(authSettingsFromEnv(source)) : undefined;
    if (users.length === 0 && !tokens) {
      throw new ConfigError([
        'REGISTRY_USERS (or REGISTRY_USERS_FILE) or JWT_SECRET / JWKS_URL is required: the registry authenticates every caller ' +
          '(set REGISTRY_AUTH=none to run it without authentication, for local development only)',
      ]);
    }
    auth = { mode: 'required', users, tokens };
  }
  return { ...rest, auth, schemaLimits: { maxBytes: maxSchemaBytes, maxDepth: maxSchemaDepth } };
}
