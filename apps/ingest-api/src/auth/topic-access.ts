/**
 * The preamble of every `{topic}` request, HTTP or WebSocket: the event type the path segment names
 * (404 when none) and whether the principal's scopes allow what the request does with it (403).
 */
import { EventTypeSpec } from '@platform/runtime';
import { PlatformError } from '@platform/contracts';
import { aggregateScopeFor, allows, allowsAggregates, EventAction, Principal, scopeFor } from '@platform/auth';
import { TopicDirectory } from '../events/topic-directory';

/** What a request does with a topic: publish or read its events, or read its aggregates. */
export type TopicAccess = EventAction | 'aggregates';

export function authorizeTopic(topics: TopicDirectory, segment: string, principal: Principal, access: TopicAccess): EventTypeSpec {
  const type = topics.resolve(segment);
  if (!type) throw new PlatformError(404, 'UNKNOWN_TOPIC', `no event type or topic named "${segment.slice(0, 200)}"`);
  const names = TopicDirectory.scopeNames(type);
  const required = access === 'aggregates' ? aggregateScopeFor(type.name) : scopeFor(access, type.topic);
  const allowed = access === 'aggregates' ? allowsAggregates(principal.scopes, names) : allows(principal.scopes, access, names);
  if (!allowed) throw new PlatformError(403, 'FORBIDDEN', `the token lacks scope ${required}`, { required });
  return type;
}
