/**
 * Resolves the `{topic}` path segment of an aggregate route to its event type (404 when unknown) and
 * checks that the token may read its aggregates (403 otherwise). The type is left on the request.
 */
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { PlatformError } from '@platform/contracts';
import { aggregateScopeFor, allowsAggregates } from '@platform/auth';
import { TopicDirectory } from '../events/topic-directory';
import type { TopicRequest } from '../auth/topic-scope.guard';

@Injectable()
export class AggregateScopeGuard implements CanActivate {
  constructor(private readonly topics: TopicDirectory) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<TopicRequest>();
    const segment = request.params.topic ?? '';
    const type = this.topics.resolve(segment);
    if (!type) throw new PlatformError(404, 'UNKNOWN_TOPIC', `no event type or topic named "${segment.slice(0, 200)}"`);
    if (!request.user || !allowsAggregates(request.user.scopes, TopicDirectory.scopeNames(type))) {
      throw new PlatformError(403, 'FORBIDDEN', `the token lacks scope ${aggregateScopeFor(type.name)}`, { required: aggregateScopeFor(type.name) });
    }
    request.eventType = type;
    return true;
  }
}
