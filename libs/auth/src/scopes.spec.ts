import fc from 'fast-check';
import { allowsAdmin, allows, allowsAggregates, scopeFor, scopesFromClaims } from './scopes';

describe('scopes', () => {
  const topic = fc.stringMatching(/^[a-z][a-z0-9._-]{0,20}$/);
  const action = fc.constantFrom('read' as const, 'write' as const);

  it('reads space-separated `scope`, and `scp` / `scopes` arrays, ignoring anything else', () => {
    expect([...scopesFromClaims({ scope: 'a  b c' })]).toEqual(['a', 'b', 'c']);
    expect([...scopesFromClaims({ scp: ['x', 'y', 3, 'has space'] })]).toEqual(['x', 'y']);
    expect([...scopesFromClaims({ scopes: 'z' })]).toEqual(['z']);
    expect([...scopesFromClaims({ scope: { evil: true } })]).toEqual([]);
    expect([...scopesFromClaims({ scopes: ['', 'x'] })]).toEqual(['x']);
    expect([...scopesFromClaims({ scope: 'a b', scp: 'c', scopes: ['d', 'a'] })]).toEqual(['a', 'b', 'c', 'd']);
  });

  it('allows an action on a topic exactly when a matching, wildcard or admin scope is present', () => {
    fc.assert(
      fc.property(
        action,
        topic,
        topic,
        fc.subarray(['exact', 'alias', 'wild', 'all', 'admin', 'other-action', 'other-topic'] as const),
        (act, name, alias, grants) => {
          fc.pre(name !== alias);
          const other = act === 'read' ? 'write' : 'read';
          const scopes = new Set<string>();
          for (const g of grants) {
            if (g === 'exact') scopes.add(scopeFor(act, name));
            if (g === 'alias') scopes.add(scopeFor(act, alias));
            if (g === 'wild') scopes.add(`events:${act}:*`);
            if (g === 'all') scopes.add('events:*');
            if (g === 'admin') scopes.add('admin');
            if (g === 'other-action') scopes.add(scopeFor(other, name));
            if (g === 'other-topic') scopes.add(scopeFor(act, `${name}x`));
          }
          const expected = grants.some((g) => ['exact', 'alias', 'wild', 'all', 'admin'].includes(g));
          expect(allows(scopes, act, [name, alias])).toBe(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('allows an admin area only with admin, admin:* or admin:<area>', () => {
    expect(allowsAdmin(new Set(['admin']), 'dlq')).toBe(true);
    expect(allowsAdmin(new Set(['admin:*']), 'dlq')).toBe(true);
    expect(allowsAdmin(new Set(['admin:dlq']), 'dlq')).toBe(true);
    expect(allowsAdmin(new Set(['admin:schemas', 'events:*', 'events:write:*']), 'dlq')).toBe(false);
    expect(allowsAdmin(new Set(), 'dlq')).toBe(false);
  });
});

describe('aggregate read scopes', () => {
  const names = ['events.iot.sensor', 'iot.sensor'];
  it('allow the type by topic or name, the aggregate wildcards, and any scope that reads the topic', () => {
    for (const scope of ['aggregates:read:iot.sensor', 'aggregates:read:events.iot.sensor', 'aggregates:read:*', 'aggregates:*', 'events:read:iot.sensor', 'events:read:*', 'events:*', 'admin']) {
      expect(allowsAggregates(new Set([scope]), names)).toBe(true);
    }
  });
  it('refuse other types, write scopes and unrelated scopes', () => {
    for (const scope of ['aggregates:read:clickstream', 'events:write:iot.sensor', 'aggregates:write:iot.sensor', 'admin:dlq', '']) {
      expect(allowsAggregates(new Set([scope]), names)).toBe(false);
    }
  });
});
