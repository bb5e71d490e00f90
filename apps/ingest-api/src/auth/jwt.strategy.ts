/**
 * The passport-jwt strategy ('jwt') for routes guarded by Nest's `AuthGuard('jwt')`, wired to the
 * platform's TokenVerifier: the same key choice (by `alg`/`kid`), verify options and claim mapping
 * as the API's own guards (AccessGuard) and the WebSocket path, and the same cache. The API's routes
 * ask the verifier once per request instead of going through passport's middleware.
 */
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { JwtPayload } from 'jsonwebtoken';
import { bearerToken, Principal, TokenVerifier } from '@platform/auth';

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(private readonly verifier: TokenVerifier) {
    const options = verifier.verifyOptions;
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: (_request, rawJwt, done) => {
        verifier.keyFor(rawJwt).then(
          (key) => done(null, key as string),
          (error) => done(error),
        );
      },
      algorithms: options.algorithms,
      issuer: options.issuer as string | undefined,
      audience: options.audience as string | undefined,
      jsonWebTokenOptions: { clockTolerance: options.clockTolerance },
      passReqToCallback: true,
    });
  }

  validate(request: { headers: Record<string, string | string[] | undefined> }, claims: JwtPayload): Principal {
    const principal = this.verifier.principalFromClaims(claims);
    const token = bearerToken(request.headers.authorization);
    if (token) this.verifier.remember(token, principal);
    return principal;
  }
}
