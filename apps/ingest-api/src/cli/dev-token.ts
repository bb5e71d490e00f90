/**
 * Prints a signed HS256 token for local development:
 *   node -r ./scripts/register.js apps/ingest-api/src/cli/dev-token.ts [--sub NAME] [--scope S]... [--ttl 1h]
 * Scopes default to `events:*`. Uses JWT_SECRET (or, with NODE_ENV=development, the local development
 * secret), and JWT_ISSUER / JWT_AUDIENCE when set, so the API accepts what it prints.
 */
import { parseDuration } from '@platform/runtime';
import { authSettingsFromEnv, signToken } from '@platform/auth';

function main(argv: string[]): void {
  let subject = 'dev-client';
  const scopes: string[] = [];
  let ttlSeconds = 3600;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if ((arg === '--sub' || arg === '--subject') && value) {
      subject = value;
      i++;
    } else if (arg === '--scope' && value) {
      scopes.push(...value.split(/[ ,]+/).filter(Boolean));
      i++;
    } else if (arg === '--ttl' && value) {
      ttlSeconds = Math.max(1, Math.round(parseDuration(value) / 1000));
      i++;
    } else {
      process.stderr.write('usage: dev-token [--sub NAME] [--scope SCOPE]... [--ttl 1h]\n');
      process.exit(2);
    }
  }
  const settings = authSettingsFromEnv();
  if (!settings.secret) {
    process.stderr.write('dev-token signs with JWT_SECRET; set it (JWKS-only setups sign tokens elsewhere)\n');
    process.exit(2);
  }
  const token = signToken(settings.secret, {
    subject,
    scopes: scopes.length > 0 ? scopes : ['events:*'],
    expiresInSeconds: ttlSeconds,
    issuer: settings.issuer,
    audience: settings.audience,
  });
  process.stdout.write(`${token}\n`);
}

main(process.argv.slice(2));
