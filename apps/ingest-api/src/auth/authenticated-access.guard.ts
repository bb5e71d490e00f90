/** Routes open to any valid token (what the caller may do is answered by the route itself): authenticates and rate-limits only. */
import { Injectable } from '@nestjs/common';
import { TokenVerifier } from '@platform/auth';
import { SubjectThrottlerGuard } from '../throttling/subject-throttler.guard';
import { AccessGuard } from './access.guard';

@Injectable()
export class AuthenticatedAccessGuard extends AccessGuard {
  // Declared here so Nest sees the dependencies: the abstract base carries no injection metadata.
  constructor(verifier: TokenVerifier, throttler: SubjectThrottlerGuard) {
    super(verifier, throttler);
  }

  protected authorize(): void {
    // Any authenticated principal may call these routes.
  }
}
