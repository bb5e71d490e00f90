/**
 * The aggregate routes' one guard: authenticates and rate-limits (AccessGuard), resolves the
 * `{topic}` path segment to its event type (404 when unknown) and checks that the token may read its
 * aggregates (403 otherwise). The type is left on the request.
 */
import { Injectable } from '@nestjs/common';
import { PlatformError } from '@platform/contracts';
import { aggregateScopeFor, allowsAggregates, Principal, TokenVerifier } from '@platform/auth';
import { TopicDirectory } from '../events/topic-directory';
import { SubjectThrottlerGuard } from '../throttling/subject-throttler.guard';
import { AccessGuard } from '../auth/access.guard';
import type { TopicRequest } from '../auth/topic-access.guard';

@Injectable()
export class AggregateAccessGuard extends AccessGuard<TopicRequest> {
  constructor(verifier: TokenVerifier, throttler: SubjectThrottlerGuard, private readonly topics: TopicDirectory) {
    super(verifier, throttler);
  }

  protected authorize(request: TopicRequest, principal: Principal): void {
    const segment = request.params.topic ?? '';
    const type = this.topics.resolve(segment);
    if (!type) throw new PlatformError(404, 'UNKNOWN_TOPIC', `no event type or topic named "${segment.slice(0, 200)}"`);
    if (!allowsAggregates(principal.scopes, TopicDirectory.scopeNames(type))) {
      throw new PlatformError(403, 'FORBIDDEN', `the token lacks scope ${aggregateScopeFor(type.name)}`, { required: aggregateScopeFor(type.name) });
    }
    request.eventType = type;
  }
}
