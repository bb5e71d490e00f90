/** Routes open to any valid token (what the caller may do is answered by the route itself): authenticates and rate-limits only. */
import { Injectable } from '@nestjs/common';
import { AccessGuard } from './access.guard';

@Injectable()
export class AuthenticatedAccessGuard extends AccessGuard {
  protected authorize(): void {
    // Any authenticated principal may call these routes.
  }
}
