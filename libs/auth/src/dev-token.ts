/** Signs HS256 tokens for local development and tests (never used to verify). */
import { sign } from 'jsonwebtoken';

export interface TokenRequest {
  subject: string;
  scopes: string[];
  expiresInSeconds?: number;
  issuer?: string;
  audience?: string;
}

export function signToken(secret: string, request: TokenRequest): string {
  return sign({ scope: request.scopes.join(' ') }, secret, {
    algorithm: 'HS256',
    subject: request.subject,
    expiresIn: request.expiresInSeconds ?? 3600,
    ...(request.issuer ? { issuer: request.issuer } : {}),
    ...(request.audience ? { audience: request.audience } : {}),
  });
}
