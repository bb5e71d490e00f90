/**
 * How every process connects to Kafka, in Kafka's own vocabulary (`security.protocol`,
 * `sasl.mechanism`, `ssl.truststore`...) mapped to KAFKA_* variables. Read and checked once at
 * startup: a missing or contradictory setting names the variable to set, unreadable files name the
 * variable that points at them, and secrets (passwords) are never part of a message, a log line or
 * JSON: they are non-enumerable properties.
 */
import { readFileSync } from 'fs';
import { env, Field, FieldProblem } from './env';

type Source = Record<string, string | undefined>;

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export const COMPRESSION_CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];
export type CompressionCodec = (typeof COMPRESSION_CODECS)[number];

export interface KafkaSasl {
  mechanism: SaslMechanism;
  username: string;
  /** Non-enumerable: never serialised or logged. */
  readonly password: string;
}

export interface KafkaTls {
  /** PEM text of the CA bundle that signs the brokers' certificates (system CAs when absent). */
  ca?: string;
  /** PEM client certificate and key, for mutual TLS. */
  cert?: string;
  key?: string;
  /** Non-enumerable: never serialised or logged. */
  readonly keyPassword?: string;
  /** ssl.endpoint.identification.algorithm=https (the default): the broker's name must match its certificate. */
  verifyHostname: boolean;
}

export interface KafkaSecurity {
  protocol: SecurityProtocol;
  sasl?: KafkaSasl;
  tls?: KafkaTls;
}

const V = {
  protocol: 'KAFKA_SECURITY_PROTOCOL',
  mechanism: 'KAFKA_SASL_MECHANISM',
  username: 'KAFKA_SASL_USERNAME',
  password: 'KAFKA_SASL_PASSWORD',
  passwordFile: 'KAFKA_SASL_PASSWORD_FILE',
  ca: 'KAFKA_SSL_CA_LOCATION',
  cert: 'KAFKA_SSL_CERTIFICATE_LOCATION',
  key: 'KAFKA_SSL_KEY_LOCATION',
  keyPassword: 'KAFKA_SSL_KEY_PASSWORD',
  keyPasswordFile: 'KAFKA_SSL_KEY_PASSWORD_FILE',
  endpoint: 'KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM',
} as const;

/** The variables of the security settings, e.g. to pass them on to a child process. */
export const KAFKA_SECURITY_VARIABLES: readonly string[] = Object.values(V);

function withSecret<T extends object>(target: T, name: string, value: string | undefined): T {
  if (value !== undefined) Object.defineProperty(target, name, { value, enumerable: false });
  return target;
}

/** Parses the KAFKA_SECURITY_PROTOCOL / KAFKA_SASL_* / KAFKA_SSL_* variables; every problem is reported. */
export function parseKafkaSecurity(source: Source): KafkaSecurity {
  const problems: string[] = [];
  const get = (name: string): string | undefined => {
    const raw = source[name];
    return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  };
  const readFile = (variable: string, what: string): string | undefined => {
    const path = get(variable);
    if (path === undefined) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      problems.push(`${variable} points at ${path}, which cannot be read as ${what} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
  };
  /** A secret given inline or as a file (a mounted secret); the two together are ambiguous. */
  const secret = (inline: string, file: string): string | undefined => {
    if (source[inline] && get(file)) {
      problems.push(`set only one of ${inline} and ${file}`);
      return undefined;
    }
    if (source[inline]) return source[inline];
    const text = readFile(file, 'a secret');
    return text?.replace(/\r?\n$/, '');
  };

  const protocolRaw = get(V.protocol)?.toUpperCase() ?? 'PLAINTEXT';
  if (!(SECURITY_PROTOCOLS as readonly string[]).includes(protocolRaw)) {
    throw new FieldProblem(`${V.protocol} must be one of ${SECURITY_PROTOCOLS.join(', ')}, got "${get(V.protocol)}"`);
  }
  const protocol = protocolRaw as SecurityProtocol;
  const usesSasl = protocol.startsWith('SASL_');
  const usesTls = protocol.endsWith('SSL');

  let sasl: KafkaSasl | undefined;
  if (usesSasl) {
    const mechanism = get(V.mechanism)?.toUpperCase();
    if (mechanism === undefined)
      problems.push(`${V.mechanism} is required with ${V.protocol}=${protocol} (one of ${SASL_MECHANISMS.join(', ')})`);
    else if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism))
      problems.push(`${V.mechanism} must be one of ${SASL_MECHANISMS.join(', ')}, got "${get(V.mechanism)}"`);
    const username = get(V.username);
    if (username === undefined) problems.push(`${V.username} is required with ${V.protocol}=${protocol}`);
    const password = secret(V.password, V.passwordFile);
    if (password === undefined && !problems.some((p) => p.includes(V.passwordFile))) {
      problems.push(`${V.password} or ${V.passwordFile} is required with ${V.protocol}=${protocol}`);
    }
    if (mechanism && username && password !== undefined)
      sasl = withSecret({ mechanism: mechanism as SaslMechanism, username } as KafkaSasl, 'password', password);
  } else {
    for (const name of [V.mechanism, V.username, V.password, V.passwordFile]) {
      if (get(name)) problems.push(`${name} is set but ${V.protocol}=${protocol} does not use SASL (use SASL_SSL or SASL_PLAINTEXT)`);
    }
  }

  let tls: KafkaTls | undefined;
  if (usesTls) {
    const endpoint = (get(V.endpoint) ?? 'https').toLowerCase();
    if (endpoint !== 'https' && endpoint !== 'none') problems.push(`${V.endpoint} must be https or none, got "${get(V.endpoint)}"`);
    const ca = readFile(V.ca, 'a PEM CA bundle');
    const cert = readFile(V.cert, 'a PEM certificate');
    const key = readFile(V.key, 'a PEM private key');
    if (get(V.cert) && !get(V.key)) problems.push(`${V.key} is required with ${V.cert} (mutual TLS needs both)`);
    if (get(V.key) && !get(V.cert)) problems.push(`${V.cert} is required with ${V.key} (mutual TLS needs both)`);
    if (ca !== undefined && !ca.includes('-----BEGIN CERTIFICATE-----'))
      problems.push(`${V.ca} must be a PEM file with at least one certificate`);
    const keyPassword = secret(V.keyPassword, V.keyPasswordFile);
    tls = withSecret({ ca, cert, key, verifyHostname: endpoint !== 'none' } as KafkaTls, 'keyPassword', keyPassword);
  } else {
    for (const name of [V.ca, V.cert, V.key, V.keyPassword, V.keyPasswordFile, V.endpoint]) {
      if (get(name)) problems.push(`${name} is set but ${V.protocol}=${protocol} does not use TLS (use SSL or SASL_SSL)`);
    }
  }

  if (problems.length > 0) throw new FieldProblem(problems);
  return { protocol, ...(sasl ? { sasl } : {}), ...(tls ? { tls } : {}) };
}

function kafkaSecurityField(): Field<KafkaSecurity> {
  return { variable: V.protocol, parse: (_raw, source) => parseKafkaSecurity(source) };
}

/** The Kafka settings every app shares (spread into `commonEnv`). */
export const kafkaEnv = {
  kafkaSecurity: kafkaSecurityField(),
  /** compression.type of every producer of the platform; consumers read every codec whatever this is. */
  kafkaCompression: env.oneOf('KAFKA_COMPRESSION', COMPRESSION_CODECS, { default: 'none' }),
  /** Replication of the topics the platform creates (overrides the pipeline's topics.replication_factor). */
  kafkaReplicationFactor: env.optionalInt('KAFKA_REPLICATION_FACTOR', { min: 1 }),
  /** min.insync.replicas of the topics the platform creates (default: 2 when replicated 3 or more, else the broker's). */
  kafkaMinInsyncReplicas: env.optionalInt('KAFKA_MIN_INSYNC_REPLICAS', { min: 1 }),
};
