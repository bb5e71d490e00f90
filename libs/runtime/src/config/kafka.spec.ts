import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { inspect } from 'util';
import { ConfigError, loadEnv } from './env';
import { KAFKA_SECURITY_VARIABLES, kafkaEnv, parseKafkaSecurity } from './kafka';

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

describe('Kafka security settings, each rule', () => {
  const keyPath = join(dir, 'client.key');
  const certPath = join(dir, 'client.pem');
  const notPem = join(dir, 'not-a-ca.pem');
  writeFileSync(keyPath, 'KEY');
  writeFileSync(certPath, 'CERT');
  writeFileSync(notPem, 'hello');
  const sasl = { KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'u' };

  it('lists the variables it reads', () => {
    expect(KAFKA_SECURITY_VARIABLES).toEqual([
      'KAFKA_SECURITY_PROTOCOL',
      'KAFKA_SASL_MECHANISM',
      'KAFKA_SASL_USERNAME',
      'KAFKA_SASL_PASSWORD',
      'KAFKA_SASL_PASSWORD_FILE',
      'KAFKA_SSL_CA_LOCATION',
      'KAFKA_SSL_CERTIFICATE_LOCATION',
      'KAFKA_SSL_KEY_LOCATION',
      'KAFKA_SSL_KEY_PASSWORD',
      'KAFKA_SSL_KEY_PASSWORD_FILE',
      'KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM',
    ]);
  });

  it('trims values and reads protocol and mechanism in any case; blank values count as unset', () => {
    const security = parseKafkaSecurity({ ...sasl, KAFKA_SECURITY_PROTOCOL: ' sasl_plaintext ', KAFKA_SASL_MECHANISM: ' scram-sha-256 ', KAFKA_SASL_USERNAME: ' u ', KAFKA_SASL_PASSWORD: 'p', KAFKA_SSL_CA_LOCATION: '  ' });
    expect(security).toEqual({ protocol: 'SASL_PLAINTEXT', sasl: { mechanism: 'SCRAM-SHA-256', username: 'u' } });
    expect(security.sasl?.password).toBe('p');
    expect(parseKafkaSecurity({ KAFKA_SECURITY_PROTOCOL: '  ' })).toEqual({ protocol: 'PLAINTEXT' });
  });

  it('names the protocol as given when it is unknown', () => {
    expect(() => parseKafkaSecurity({ KAFKA_SECURITY_PROTOCOL: 'tls' })).toThrow('KAFKA_SECURITY_PROTOCOL must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL, got "tls"');
  });

  it('SASL: each missing or wrong setting is named once, with the protocol', () => {
    expect(problemsOf({ KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT' })).toEqual([
      'KAFKA_SASL_MECHANISM is required with KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT (one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)',
      'KAFKA_SASL_USERNAME is required with KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT',
      'KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE is required with KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT',
    ]);
    expect(problemsOf({ ...sasl, KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_PASSWORD: 'p' })).toEqual([
      'KAFKA_SASL_MECHANISM must be one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, got "gssapi"',
    ]);
  });

  it('SASL password: from a file without its final line break, never both ways, an unreadable file named instead of "required"', () => {
    const crlf = join(dir, 'crlf-password');
    writeFileSync(crlf, 'pw\r\n');
    expect(parseKafkaSecurity({ ...sasl, KAFKA_SASL_PASSWORD_FILE: crlf }).sasl?.password).toBe('pw');
    const two = join(dir, 'two-lines');
    writeFileSync(two, 'pw\n\n');
    expect(parseKafkaSecurity({ ...sasl, KAFKA_SASL_PASSWORD_FILE: two }).sasl?.password).toBe('pw\n');
    expect(problemsOf({ ...sasl, KAFKA_SASL_PASSWORD: 'p', KAFKA_SASL_PASSWORD_FILE: passwordPath })).toEqual([
      'set only one of KAFKA_SASL_PASSWORD and KAFKA_SASL_PASSWORD_FILE',
    ]);
    const missing = join(dir, 'no-password');
    expect(problemsOf({ ...sasl, KAFKA_SASL_PASSWORD_FILE: missing })).toEqual([`KAFKA_SASL_PASSWORD_FILE points at ${missing}, which cannot be read as a secret (ENOENT)`]);
  });

  it('SSL without SASL: any SASL setting is refused, one problem per variable', () => {
    expect(problemsOf({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_PASSWORD_FILE: passwordPath })).toEqual([
      'KAFKA_SASL_MECHANISM is set but KAFKA_SECURITY_PROTOCOL=SSL does not use SASL (use SASL_SSL or SASL_PLAINTEXT)',
      'KAFKA_SASL_PASSWORD_FILE is set but KAFKA_SECURITY_PROTOCOL=SSL does not use SASL (use SASL_SSL or SASL_PLAINTEXT)',
    ]);
  });

  it('TLS: mutual TLS reads certificate and key, hides the key password, verifies the hostname unless "none"', () => {
    const security = parseKafkaSecurity({
      KAFKA_SECURITY_PROTOCOL: 'SSL',
      KAFKA_SSL_CERTIFICATE_LOCATION: certPath,
      KAFKA_SSL_KEY_LOCATION: keyPath,
      KAFKA_SSL_KEY_PASSWORD: 'kp',
      KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM: 'HTTPS',
    });
    expect(security).toEqual({ protocol: 'SSL', tls: { ca: undefined, cert: 'CERT', key: 'KEY', verifyHostname: true } });
    expect(security.tls?.keyPassword).toBe('kp');
    expect(JSON.stringify(security)).not.toContain('kp');
    const fromFile = parseKafkaSecurity({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_KEY_PASSWORD_FILE: passwordPath });
    expect(fromFile.tls?.keyPassword).toBe('from-a-file');
    expect(parseKafkaSecurity({ KAFKA_SECURITY_PROTOCOL: 'SSL' }).tls).toEqual({ ca: undefined, cert: undefined, key: undefined, verifyHostname: true });
    expect(Object.getOwnPropertyNames(parseKafkaSecurity({ KAFKA_SECURITY_PROTOCOL: 'SSL' }).tls)).not.toContain('keyPassword');
  });

  it('TLS: each problem named exactly', () => {
    expect(problemsOf({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_KEY_LOCATION: keyPath })).toEqual([
      'KAFKA_SSL_CERTIFICATE_LOCATION is required with KAFKA_SSL_KEY_LOCATION (mutual TLS needs both)',
    ]);
    expect(problemsOf({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CERTIFICATE_LOCATION: certPath })).toEqual([
      'KAFKA_SSL_KEY_LOCATION is required with KAFKA_SSL_CERTIFICATE_LOCATION (mutual TLS needs both)',
    ]);
    expect(problemsOf({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_LOCATION: notPem })).toEqual(['KAFKA_SSL_CA_LOCATION must be a PEM file with at least one certificate']);
    expect(problemsOf({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM: 'Dns' })).toEqual([
      'KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM must be https or none, got "Dns"',
    ]);
    const missing = join(dir, 'no-ca.pem');
    expect(problemsOf({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_LOCATION: missing })).toEqual([
      `KAFKA_SSL_CA_LOCATION points at ${missing}, which cannot be read as a PEM CA bundle (ENOENT)`,
    ]);
    expect(problemsOf({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_KEY_PASSWORD: 'a', KAFKA_SSL_KEY_PASSWORD_FILE: passwordPath })).toEqual([
      'set only one of KAFKA_SSL_KEY_PASSWORD and KAFKA_SSL_KEY_PASSWORD_FILE',
    ]);
  });

  it('without TLS: any TLS setting is refused, one problem per variable', () => {
    expect(
      problemsOf({
        ...sasl,
        KAFKA_SASL_PASSWORD: 'p',
        KAFKA_SSL_CA_LOCATION: caPath,
        KAFKA_SSL_CERTIFICATE_LOCATION: certPath,
        KAFKA_SSL_KEY_LOCATION: keyPath,
        KAFKA_SSL_KEY_PASSWORD: 'k',
        KAFKA_SSL_KEY_PASSWORD_FILE: passwordPath,
        KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM: 'none',
      }),
    ).toEqual(
      ['KAFKA_SSL_CA_LOCATION', 'KAFKA_SSL_CERTIFICATE_LOCATION', 'KAFKA_SSL_KEY_LOCATION', 'KAFKA_SSL_KEY_PASSWORD', 'KAFKA_SSL_KEY_PASSWORD_FILE', 'KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM'].map(
        (name) => `${name} is set but KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT does not use TLS (use SSL or SASL_SSL)`,
      ),
    );
  });

  it('reads the codec, the replication factor and min.insync.replicas', () => {
    expect(loadEnv(kafkaEnv, { KAFKA_COMPRESSION: 'zstd', KAFKA_REPLICATION_FACTOR: '3', KAFKA_MIN_INSYNC_REPLICAS: '2' })).toMatchObject({
      kafkaCompression: 'zstd',
      kafkaReplicationFactor: 3,
      kafkaMinInsyncReplicas: 2,
    });
    expect(problemsOf({ KAFKA_MIN_INSYNC_REPLICAS: '0' })).toEqual(['KAFKA_MIN_INSYNC_REPLICAS must be >= 1, got 0']);
  });
});
