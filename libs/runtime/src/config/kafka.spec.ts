import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { inspect } from 'util';
import { ConfigError, loadEnv } from './env';
import { kafkaEnv, parseKafkaSecurity } from './kafka';

const dir = mkdtempSync(join(tmpdir(), 'kafka-security-'));
const caPath = join(dir, 'ca.pem');
const passwordPath = join(dir, 'password');
writeFileSync(caPath, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
writeFileSync(passwordPath, 'from-a-file\n');

function problemsOf(source: Record<string, string>): string[] {
  try {
    loadEnv(kafkaEnv, source);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('Kafka security settings', () => {
  it('defaults to plaintext with no codec', () => {
    expect(loadEnv(kafkaEnv, {})).toEqual({
      kafkaSecurity: { protocol: 'PLAINTEXT' },
      kafkaCompression: 'none',
      kafkaReplicationFactor: undefined,
      kafkaMinInsyncReplicas: undefined,
    });
  });

  it('reads SASL_SSL with SCRAM, a CA file and a password file; hostname verification is on by default', () => {
    const security = parseKafkaSecurity({
      KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'ingest',
      KAFKA_SASL_PASSWORD_FILE: passwordPath,
      KAFKA_SSL_CA_LOCATION: caPath,
    });
    expect(security.protocol).toBe('SASL_SSL');
    expect(security.sasl).toMatchObject({ mechanism: 'SCRAM-SHA-512', username: 'ingest' });
    expect(security.sasl?.password).toBe('from-a-file');
    expect(security.tls?.verifyHostname).toBe(true);
    expect(security.tls?.ca).toContain('BEGIN CERTIFICATE');
  });

  it('never shows the password when the settings are serialised or inspected', () => {
    const security = parseKafkaSecurity({
      KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
      KAFKA_SASL_MECHANISM: 'PLAIN',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 's3cr3t-value',
    });
    expect(security.sasl?.password).toBe('s3cr3t-value');
    expect(JSON.stringify(security)).not.toContain('s3cr3t-value');
    expect(inspect(security, { depth: 5 })).not.toContain('s3cr3t-value');
  });

  it('names every variable that is missing or contradicts the protocol, without the secret', () => {
    const problems = problemsOf({
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SSL_CA_LOCATION: join(dir, 'missing.pem'),
      KAFKA_SSL_CERTIFICATE_LOCATION: caPath,
    });
    expect(problems.join('\n')).toMatch(/KAFKA_SASL_MECHANISM is required/);
    expect(problems.join('\n')).toMatch(/KAFKA_SASL_USERNAME is required/);
    expect(problems.join('\n')).toMatch(/KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE is required/);
    expect(problems.join('\n')).toMatch(/KAFKA_SSL_CA_LOCATION points at .*missing.pem, which cannot be read/);
    expect(problems.join('\n')).toMatch(/KAFKA_SSL_KEY_LOCATION is required with KAFKA_SSL_CERTIFICATE_LOCATION/);
    const plaintext = problemsOf({ KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'hunter2', KAFKA_SSL_CA_LOCATION: caPath });
    expect(plaintext.join('\n')).toMatch(/KAFKA_SASL_PASSWORD is set but KAFKA_SECURITY_PROTOCOL=PLAINTEXT does not use SASL/);
    expect(plaintext.join('\n')).toMatch(/KAFKA_SSL_CA_LOCATION is set but KAFKA_SECURITY_PROTOCOL=PLAINTEXT does not use TLS/);
    expect(plaintext.join('\n')).not.toContain('hunter2');
  });

  it('rejects unknown protocols, mechanisms, codecs and endpoint algorithms', () => {
    expect(problemsOf({ KAFKA_SECURITY_PROTOCOL: 'TLS' })).toEqual([
      expect.stringMatching(/KAFKA_SECURITY_PROTOCOL must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL/),
    ]);
    expect(
      problemsOf({
        KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
        KAFKA_SASL_MECHANISM: 'GSSAPI',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
      }).join(),
    ).toMatch(/KAFKA_SASL_MECHANISM must be one of/);
    expect(problemsOf({ KAFKA_COMPRESSION: 'brotli' }).join()).toMatch(/KAFKA_COMPRESSION must be one of none, gzip, snappy, lz4, zstd/);
    expect(problemsOf({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM: 'dns' }).join()).toMatch(
      /KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM must be https or none/,
    );
    expect(
      parseKafkaSecurity({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM: 'none' }).tls?.verifyHostname,
    ).toBe(false);
    expect(problemsOf({ KAFKA_REPLICATION_FACTOR: '0' }).join()).toMatch(/KAFKA_REPLICATION_FACTOR must be >= 1/);
  });
});
