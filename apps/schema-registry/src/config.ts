/** The registry's settings, read once at startup. */
import { commonEnv, env, loadEnv } from '@platform/config';

export const registryEnv = {
  port: env.int('PORT', { default: 8081, min: 0, max: 65535 }),
  host: env.string('HOST', { default: '0.0.0.0' }),
  kafkaBrokers: commonEnv.kafkaBrokers,
  kafkaSecurity: commonEnv.kafkaSecurity,
  kafkaCompression: commonEnv.kafkaCompression,
  kafkaReplicationFactor: commonEnv.kafkaReplicationFactor,
  kafkaMinInsyncReplicas: commonEnv.kafkaMinInsyncReplicas,
  schemasTopic: env.string('SCHEMAS_TOPIC', { default: '_schemas' }),
  logLevel: commonEnv.logLevel,
};

export type RegistryConfig = ReturnType<typeof loadRegistryConfig>;

export function loadRegistryConfig(source: Record<string, string | undefined> = process.env) {
  return loadEnv(registryEnv, source);
}
