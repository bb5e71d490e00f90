import { authSettingsFromEnv } from './settings';

describe('authSettingsFromEnv: the documented defaults and each variable', () => {
  it('reads a secret alone with the documented defaults', () => {
    expect(authSettingsFromEnv({ JWT_SECRET: 's' })).toEqual({
      secret: 's',
      jwksUrl: undefined,
      issuer: undefined,
      audience: undefined,
      clockToleranceSec: 5,
      cacheSize: 10_000,
      cacheMaxAgeMs: 300_000,
      maxTokenLength: 8192,
      devFallback: false,
    });
  });

  it('reads every variable, tolerance in whole seconds', () => {
    expect(
      authSettingsFromEnv({
        JWKS_URL: 'https://idp.example/jwks.json',
        JWT_ISSUER: 'i',
        JWT_AUDIENCE: 'a',
        JWT_CLOCK_TOLERANCE: '2500ms',
        TOKEN_CACHE_SIZE: '0',
        TOKEN_CACHE_MAX_AGE: '1m',
        NODE_ENV: 'production',
      }),
    ).toEqual({
      secret: undefined,
      jwksUrl: 'https://idp.example/jwks.json',
      issuer: 'i',
      audience: 'a',
      clockToleranceSec: 2,
      cacheSize: 0,
      cacheMaxAgeMs: 60_000,
      maxTokenLength: 8192,
      devFallback: false,
    });
  });

  it('names exactly the missing one of issuer and audience in production', () => {
    expect(() => authSettingsFromEnv({ NODE_ENV: 'production', JWT_SECRET: 's', JWT_AUDIENCE: 'a' })).toThrow(
      'Invalid configuration:\n  - JWT_ISSUER required with NODE_ENV=production (set JWT_ALLOW_MISSING_ISSUER_AUDIENCE=true to accept tokens without them)',
    );
    expect(() => authSettingsFromEnv({ NODE_ENV: 'production', JWT_SECRET: 's' })).toThrow('- JWT_ISSUER and JWT_AUDIENCE required with NODE_ENV=production');
    expect(() => authSettingsFromEnv({ NODE_ENV: 'staging' })).toThrow(
      'JWT_SECRET or JWKS_URL is required (set NODE_ENV=development to use the local development secret)',
    );
  });

  it('falls back, with NODE_ENV=development only, to the well-known development secret', () => {
    expect(authSettingsFromEnv({ NODE_ENV: 'development' })).toMatchObject({ secret: 'local-development-only-secret-never-use-in-production', devFallback: true });
  });
});
