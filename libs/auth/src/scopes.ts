/**
 * Per-topic scopes. A token may write or read a topic when it carries one of:
 * `events:<action>:<topic>` (the topic name or its event type name), `events:<action>:*`,
 * `events:*`, or `admin`. Pure: no I/O.
 */
export type EventAction = 'read' | 'write';

export const ADMIN_SCOPE = 'admin';
export const ALL_EVENTS_SCOPE = 'events:*';

export function scopeFor(action: EventAction, topic: string): string {
  return `events:${action}:${topic}`;
}

/**
 * Scopes from the usual claim shapes: `scope` (space-separated string, RFC 8693), `scp` or
 * `scopes` (string or array). Anything else is ignored, never trusted.
 */
export function scopesFromClaims(claims: Record<string, unknown>): Set<string> {
  const out = new Set<string>();
  for (const name of ['scope', 'scp', 'scopes']) {
    const value = claims[name];
    if (typeof value === 'string') {
      for (const part of value.split(' ')) if (part) out.add(part);
    } else if (Array.isArray(value)) {
      for (const part of value) if (typeof part === 'string' && part && !part.includes(' ')) out.add(part);
    }
  }
  return out;
}

/** True when `scopes` allow `action` on a topic known by any of `names` (topic name, event type name). */
export function allows(scopes: ReadonlySet<string>, action: EventAction, names: readonly string[]): boolean {
  if (scopes.has(ADMIN_SCOPE) || scopes.has(ALL_EVENTS_SCOPE) || scopes.has(`events:${action}:*`)) return true;
  for (const name of names) if (scopes.has(scopeFor(action, name))) return true;
  return false;
}

/** True when `scopes` allow the administrative `area` (e.g. `dlq`): `admin`, `admin:*` or `admin:<area>`. */
export function allowsAdmin(scopes: ReadonlySet<string>, area: string): boolean {
  return scopes.has(ADMIN_SCOPE) || scopes.has(`${ADMIN_SCOPE}:*`) || scopes.has(`${ADMIN_SCOPE}:${area}`);
}

/**
 * True when `scopes` allow reading the served aggregates of an event type known by any of `names`:
 * `aggregates:read:<name>`, `aggregates:read:*`, `aggregates:*`, or anything that allows reading the
 * topic itself (reading the events implies reading what is computed from them).
 */
export function allowsAggregates(scopes: ReadonlySet<string>, names: readonly string[]): boolean {
  if (allows(scopes, 'read', names) || scopes.has('aggregates:*') || scopes.has('aggregates:read:*')) return true;
  for (const name of names) if (scopes.has(aggregateScopeFor(name))) return true;
  return false;
}

export function aggregateScopeFor(name: string): string {
  return `aggregates:read:${name}`;
}
