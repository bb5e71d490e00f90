import { createServer, Server } from 'http';
import { AddressInfo } from 'net';
import { generateKeyPairSync, KeyObject } from 'crypto';
import fc from 'fast-check';
import { sign } from 'jsonwebtoken';
import { PlatformError } from '@platform/contracts';
import { AuthSettings, authSettingsFromEnv, DEV_JWT_SECRET } from './settings';
import { bearerToken, describeJwtError, TokenVerifier } from './token-verifier';
import { signToken } from './dev-token';

const SECRET = 'unit-test-secret-of-reasonable-length';
const base: AuthSettings = {
  secret: SECRET,
  clockToleranceSec: 0,
  cacheSize: 100,
  cacheMaxAgeMs: 60_000,
  maxTokenLength: 8192,
  devFallback: false,
};

async function rejection(promise: Promise<unknown>): Promise<PlatformError> {
  try {
    await promise;
  } catch (error) {
    return error as PlatformError;
  }
  throw new Error('expected a rejection');
}

function b64(json: object): string {
  return Buffer.from(JSON.stringify(json)).toString('base64url');
}

describe('TokenVerifier with an HS256 secret', () => {
  const verifier = new TokenVerifier({ ...base, issuer: 'platform', audience: 'ingest' });
  const good = (extra: object = {}, options: object = {}) =>
    sign({ scope: 'events:write:events.clickstream', ...extra }, SECRET, {
      algorithm: 'HS256',
      subject: 'svc-a',
      expiresIn: 60,
      issuer: 'platform',
      audience: 'ingest',
      ...options,
    });

  it('accepts a well-signed token and maps subject and scopes', async () => {
    const principal = await verifier.verify(good());
    expect(principal.subject).toBe('svc-a');
    expect([...principal.scopes]).toEqual(['events:write:events.clickstream']);
    expect(principal.expiresAtMs).toBeGreaterThan(Date.now());
  });

  it.each([
    ['expired', () => good({}, { expiresIn: -10 }), 'token expired'],
    ['not yet valid', () => good({}, { notBefore: 60 }), 'token not yet valid'],
    [
      'wrong secret',
      () => sign({ sub: 'x' }, 'another-secret', { algorithm: 'HS256', expiresIn: 60, issuer: 'platform', audience: 'ingest' }),
      'invalid token signature',
    ],
    ['wrong issuer', () => good({}, { issuer: 'evil' }), 'token issuer is not accepted'],
    ['wrong audience', () => good({}, { audience: 'other' }), 'token audience is not accepted'],
    [
      'alg none',
      () =>
        `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'x', exp: Math.floor(Date.now() / 1000) + 60, iss: 'platform', aud: 'ingest' })}.`,
      'algorithm none is not accepted',
    ],
    ['HS384', () => sign({ sub: 'x' }, SECRET, { algorithm: 'HS384', expiresIn: 60 }), 'algorithm HS384 is not accepted'],
    ['no expiry', () => sign({ sub: 'x', iss: 'platform', aud: 'ingest' }, SECRET, { algorithm: 'HS256' }), 'token has no expiry'],
    [
      'no subject',
      () => sign({ scope: 'admin' }, SECRET, { algorithm: 'HS256', expiresIn: 60, issuer: 'platform', audience: 'ingest' }),
      'token has no subject',
    ],
    ['garbage', () => 'not-a-token', 'malformed token'],
  ])('refuses a token that is %s with 401', async (_name, make, message) => {
    const error = await rejection(verifier.verify(make()));
    expect(error).toBeInstanceOf(PlatformError);
    expect(error.status).toBe(401);
    expect(error.message).toBe(message);
  });

  it('refuses every altered token (property 20: JWT enforcement)', async () => {
    const token = good();
    await fc.assert(
      fc.asyncProperty(fc.nat(token.length - 1), fc.constantFrom(...'ABCabc012-_.='.split('')), async (position, replacement) => {
        fc.pre(token[position] !== replacement);
        const altered = token.slice(0, position) + replacement + token.slice(position + 1);
        const fresh = new TokenVerifier({ ...base, issuer: 'platform', audience: 'ingest' });
        const error = await rejection(fresh.verify(altered));
        expect(error.status).toBe(401);
      }),
      { numRuns: 200 },
    );
  });

  it('serves a verified token from the cache only until it expires', async () => {
    const token = signToken(SECRET, { subject: 'cached', scopes: ['admin'], expiresInSeconds: 1, issuer: 'platform', audience: 'ingest' });
    const first = await verifier.verify(token);
    expect(verifier.cached(token)).toBe(first);
    const wait = first.expiresAtMs! - Date.now() + 5;
    await new Promise((resolve) => setTimeout(resolve, wait));
    expect(verifier.cached(token)).toBeUndefined();
    expect((await rejection(verifier.verify(token))).message).toBe('token expired');
  });

  it('authenticates a header in one step: a promise the first time, the same principal synchronously after', async () => {
    const fresh = new TokenVerifier({ ...base, issuer: 'platform', audience: 'ingest' });
    const header = `Bearer ${good({}, { subject: 'one-step' })}`;
    const first = fresh.authenticate(header);
    expect(first).toBeInstanceOf(Promise);
    const principal = await first;
    expect(principal.subject).toBe('one-step');
    expect(fresh.authenticate(header)).toBe(principal);
  });

  it.each([
    ['no header', undefined, 'missing bearer token'],
    ['a Basic header', 'Basic dXNlcjpwdw==', 'missing bearer token'],
    ['a token over the length limit', `Bearer ${'a'.repeat(8193)}`, 'token is too long'],
  ])('refuses %s synchronously with 401', (_name, header, message) => {
    let thrown: PlatformError | undefined;
    try {
      void verifier.authenticate(header);
    } catch (error) {
      thrown = error as PlatformError;
    }
    expect(thrown?.status).toBe(401);
    expect(thrown?.message).toBe(message);
  });

  it('reads the token of a Bearer header only', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer  abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken(['Bearer abc'])).toBeUndefined();
    expect(bearerToken('Bearer abc  ')).toBe('abc');
    expect(bearerToken('xBearer abc')).toBeUndefined();
    expect(bearerToken('Bearer abc def')).toBeUndefined();
  });
});

describe('TokenVerifier with RS256 keys from a JWKS endpoint on loopback', () => {
  let server: Server;
  let verifier: TokenVerifier;
  let privateKey: KeyObject;
  let otherPrivate: KeyObject;

  beforeAll(async () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    privateKey = pair.privateKey;
    otherPrivate = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const jwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' };
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
    verifier = new TokenVerifier({ ...base, secret: undefined, jwksUrl: url });
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('accepts a token signed by the published key', async () => {
    const token = sign({ scope: 'admin' }, privateKey, { algorithm: 'RS256', keyid: 'k1', subject: 'rs', expiresIn: 60 });
    expect((await verifier.verify(token)).subject).toBe('rs');
  });

  it('refuses a token signed by another key, an unknown kid, or an HS256 token', async () => {
    const forged = sign({}, otherPrivate, { algorithm: 'RS256', keyid: 'k1', subject: 'rs', expiresIn: 60 });
    expect((await rejection(verifier.verify(forged))).status).toBe(401);
    const unknownKid = sign({}, privateKey, { algorithm: 'RS256', keyid: 'k9', subject: 'rs', expiresIn: 60 });
    expect((await rejection(verifier.verify(unknownKid))).message).toBe('unknown signing key');
    const hs = sign({}, 'whatever', { algorithm: 'HS256', subject: 'rs', expiresIn: 60 });
    expect((await rejection(verifier.verify(hs))).message).toBe('algorithm HS256 is not accepted');
  });
});

describe('authSettingsFromEnv', () => {
  it('fails fast when neither JWT_SECRET nor JWKS_URL is set', () => {
    expect(() => authSettingsFromEnv({})).toThrow(/JWT_SECRET or JWKS_URL is required/);
    expect(() => authSettingsFromEnv({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET or JWKS_URL/);
  });

  it('requires JWT_ISSUER and JWT_AUDIENCE with NODE_ENV=production unless explicitly allowed', () => {
    expect(() => authSettingsFromEnv({ NODE_ENV: 'production', JWT_SECRET: 's' })).toThrow(/JWT_ISSUER and JWT_AUDIENCE required with NODE_ENV=production/);
    expect(() => authSettingsFromEnv({ NODE_ENV: 'production', JWT_SECRET: 's', JWT_ISSUER: 'i' })).toThrow(/^Invalid configuration:\n {2}- JWT_AUDIENCE required/);
    expect(authSettingsFromEnv({ NODE_ENV: 'production', JWT_SECRET: 's', JWT_ISSUER: 'i', JWT_AUDIENCE: 'a' })).toMatchObject({ issuer: 'i', audience: 'a' });
    expect(authSettingsFromEnv({ NODE_ENV: 'production', JWT_SECRET: 's', JWT_ALLOW_MISSING_ISSUER_AUDIENCE: 'true' }).issuer).toBeUndefined();
    expect(authSettingsFromEnv({ JWT_SECRET: 's' }).issuer).toBeUndefined();
  });

  it('uses the development secret only when NODE_ENV=development is explicit', () => {
    const settings = authSettingsFromEnv({ NODE_ENV: 'development' });
    expect(settings.secret).toBe(DEV_JWT_SECRET);
    expect(settings.devFallback).toBe(true);
    expect(authSettingsFromEnv({ NODE_ENV: 'development', JWT_SECRET: 's3cret' }).devFallback).toBe(false);
  });
});

describe('TokenVerifier edges', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const hs = (payload: object | string) => sign(payload, SECRET, { algorithm: 'HS256' });

  it('needs a key source, and accepts exactly the algorithms of the sources it has (fake key source)', () => {
    expect(() => new TokenVerifier({ ...base, secret: undefined })).toThrow('TokenVerifier needs a secret or a JWKS URL');
    expect(new TokenVerifier(base).algorithms).toEqual(['HS256']);
    const standIn = { getSigningKey: async () => Promise.reject(new Error('unused')) };
    expect(new TokenVerifier({ ...base, secret: undefined }, { jwks: standIn }).algorithms).toEqual(['RS256']);
    expect(new TokenVerifier(base, { jwks: standIn }).algorithms).toEqual(['HS256', 'RS256']);
    expect(new TokenVerifier({ ...base, issuer: 'i', audience: 'a', clockToleranceSec: 7 }).verifyOptions).toEqual({ algorithms: ['HS256'], issuer: 'i', audience: 'a', clockTolerance: 7 });
    expect(new TokenVerifier({ ...base, maxTokenLength: 99 }).maxTokenLength).toBe(99);
  });

  it('refuses with 401 UNAUTHORIZED a payload that is not an object, and a subject that is empty or over 256 characters', async () => {
    const text = await rejection(new TokenVerifier(base).verify(hs('just text')));
    expect([text.status, text.errorCode, text.message]).toEqual([401, 'UNAUTHORIZED', 'token payload is not an object']);
    const exp = now() + 60;
    expect((await rejection(new TokenVerifier(base).verify(hs({ sub: '', exp })))).message).toBe('token has no subject');
    expect((await rejection(new TokenVerifier(base).verify(hs({ sub: 'x'.repeat(257), exp })))).message).toBe('token has no subject');
    expect((await new TokenVerifier(base).verify(hs({ sub: 'x'.repeat(256), exp }))).subject).toHaveLength(256);
    expect((await new TokenVerifier(base).verify(hs({ sub: 's', exp }))).expiresAtMs).toBe(exp * 1000);
  });

  it('refuses an empty token, a token over the length limit, and names at most 16 characters of an algorithm', async () => {
    expect((await rejection(new TokenVerifier(base).verify(''))).message).toBe('missing bearer token');
    const long = hs({ sub: 's', exp: now() + 60 });
    expect((await rejection(new TokenVerifier({ ...base, maxTokenLength: long.length - 1 }).verify(long))).message).toBe('token is too long');
    expect((await new TokenVerifier({ ...base, maxTokenLength: long.length }).verify(long)).subject).toBe('s');
    expect((await new TokenVerifier({ ...base, maxTokenLength: long.length }).authenticate(`Bearer ${long}`)).subject).toBe('s');
    const weird = `${b64({ alg: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', typ: 'JWT' })}.${b64({ sub: 's' })}.`;
    expect((await rejection(new TokenVerifier(base).verify(weird))).message).toBe('algorithm ABCDEFGHIJKLMNOP is not accepted');
    const noAlg = `${b64({ typ: 'JWT' })}.${b64({ sub: 's' })}.`;
    expect((await rejection(new TokenVerifier(base).verify(noAlg))).message).toBe('malformed token');
  });

  it('with a fake key source: a non-string key id is malformed, an unknown key is 401, an unreachable key set is 503 with a retry hint', async () => {
    const rs = (header: object) => `${b64({ alg: 'RS256', typ: 'JWT', ...header })}.${b64({ sub: 's', exp: now() + 60 })}.c2ln`;
    const notFound = Object.assign(new Error('no key k9'), { name: 'SigningKeyNotFoundError' });
    const missing = new TokenVerifier({ ...base, secret: undefined }, { jwks: { getSigningKey: async () => Promise.reject(notFound) } });
    expect((await rejection(missing.verify(rs({ kid: 7 })))).message).toBe('malformed token key id');
    const unknown = await rejection(missing.verify(rs({ kid: 'k9' })));
    expect([unknown.status, unknown.message]).toEqual([401, 'unknown signing key']);
    const down = new TokenVerifier({ ...base, secret: undefined }, { jwks: { getSigningKey: async () => Promise.reject(new Error('ECONNREFUSED')) } });
    const unavailable = await rejection(down.verify(rs({ kid: 'k1' })));
    expect([unavailable.status, unavailable.errorCode, unavailable.message, unavailable.retryAfterSeconds]).toEqual([503, 'SERVICE_UNAVAILABLE', 'signing keys are unavailable', 1]);
  });

  it('with a fake key source: an RS256 token without a key id asks for the default key, and a key source failing with null is 503', async () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const asked: (string | undefined)[] = [];
    const verifier = new TokenVerifier({ ...base, secret: undefined }, { jwks: { getSigningKey: async (kid) => (asked.push(kid), pair.publicKey) } });
    const token = sign({}, pair.privateKey, { algorithm: 'RS256', subject: 'no-kid', expiresIn: 60 });
    expect((await verifier.verify(token)).subject).toBe('no-kid');
    expect(asked).toEqual([undefined]);
    const failing = new TokenVerifier({ ...base, secret: undefined }, { jwks: { getSigningKey: async () => Promise.reject(null) } });
    expect((await rejection(failing.verify(token))).status).toBe(503);
  });

  it('keeps nothing with a cache size of 0', async () => {
    const verifier = new TokenVerifier({ ...base, cacheSize: 0 });
    const token = hs({ sub: 's', exp: now() + 60 });
    await verifier.verify(token);
    expect(verifier.cached(token)).toBeUndefined();
  });
});

describe('describeJwtError', () => {
  it('gives a short reason by error name, then by message, else "invalid token"', () => {
    const named = (name: string, message = '') => Object.assign(new Error(message), { name });
    expect(describeJwtError(named('TokenExpiredError'))).toBe('token expired');
    expect(describeJwtError(named('NotBeforeError'))).toBe('token not yet valid');
    expect(describeJwtError(new Error('jwt audience invalid. expected: a'))).toBe('token audience is not accepted');
    expect(describeJwtError(new Error('jwt issuer invalid. expected: i'))).toBe('token issuer is not accepted');
    expect(describeJwtError(new Error('invalid signature'))).toBe('invalid token signature');
    expect(describeJwtError(new Error('invalid algorithm'))).toBe('token algorithm is not accepted');
    expect(describeJwtError(new Error('jwt malformed'))).toBe('invalid token');
    expect(describeJwtError(undefined)).toBe('invalid token');
  });
});
