/**
 * The one guard of a route: who the caller is (one TokenVerifier call), its rate limit, then what the
 * route needs of its scopes, in a single step that yields the principal and checks the scopes. For a
 * token verified before and the in-memory rate counters the whole step is synchronous: no promise,
 * no further guard for NestJS to await. `admit` is that step without NestJS's execution context, for
 * the routes Fastify calls directly (http/direct-route.ts).
 */
import { CanActivate, ExecutionContext } from '@nestjs/common';
import { Principal, TokenVerifier } from '@platform/auth';
import { SubjectThrottlerGuard } from '../throttling/subject-throttler.guard';

export interface AccessRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: Principal;
  ip?: string;
}

/** `Route` is what the scope check needs to know of the route (by default its execution context). */
export abstract class AccessGuard<R extends AccessRequest = AccessRequest, Route = ExecutionContext> implements CanActivate {
  constructor(private readonly verifier: TokenVerifier, private readonly throttler: SubjectThrottlerGuard) {}

  /** Throws a PlatformError (403, 404) when the principal may not use this route. */
  protected abstract authorize(request: R, principal: Principal, route: Route): void;

  /** What `authorize` needs of the route behind `context`. */
  protected routeOf(context: ExecutionContext): Route {
    return context as unknown as Route;
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    return this.admit(context.switchToHttp().getRequest<R>(), this.routeOf(context));
  }

  /** Authenticates, counts and authorizes `request` for `route`: true, or throws (rejects) with a PlatformError. */
  admit(request: R, route: Route): boolean | Promise<boolean> {
    const principal = this.verifier.authenticate(request.headers.authorization);
    return principal instanceof Promise ? principal.then((verified) => this.permit(request, verified, route)) : this.permit(request, principal, route);
  }

  private permit(request: R, principal: Principal, route: Route): boolean | Promise<boolean> {
    request.user = principal;
    const limited = this.throttler.limit(request);
    if (limited) {
      return limited.then(() => {
        this.authorize(request, principal, route);
        return true;
      });
    }
    this.authorize(request, principal, route);
    return true;
  }
}
