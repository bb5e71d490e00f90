import { decode } from 'jsonwebtoken';
import { signToken } from './dev-token';

describe('signToken', () => {
  it('signs HS256 with the scopes as one space-separated claim, the subject and an hour of validity by default', () => {
    const token = signToken('s3cret', { subject: 'svc', scopes: ['events:write:*', 'admin'] });
    const { header, payload } = decode(token, { complete: true }) as unknown as { header: Record<string, unknown>; payload: Record<string, unknown> };
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toEqual({ scope: 'events:write:* admin', sub: 'svc', iat: expect.any(Number), exp: (payload.iat as number) + 3600 });
  });

  it('adds the issuer and audience only when asked, and the asked validity', () => {
    const token = signToken('s3cret', { subject: 'svc', scopes: [], expiresInSeconds: 60, issuer: 'platform', audience: 'ingest' });
    const payload = decode(token) as Record<string, unknown>;
    expect(payload).toEqual({ scope: '', sub: 'svc', iat: expect.any(Number), exp: (payload.iat as number) + 60, iss: 'platform', aud: 'ingest' });
  });
});
