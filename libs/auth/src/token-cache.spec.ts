import { TokenCache } from './token-cache';

describe('TokenCache', () => {
  it('serves an entry until the token expires or the cache age passes, whichever is first', () => {
    let now = 1_000;
    const cache = new TokenCache<string>(10, 500, () => now);
    cache.set('short', 'a', 1_200);
    cache.set('long', 'b', 10_000);
    now = 1_199;
    expect(cache.get('short')).toBe('a');
    now = 1_200;
    expect(cache.get('short')).toBeUndefined();
    expect(cache.get('long')).toBe('b');
    now = 1_500;
    expect(cache.get('long')).toBeUndefined();
  });

  it('never holds more than its bound and evicts the least recently used token', () => {
    const cache = new TokenCache<number>(3, 60_000);
    for (let i = 0; i < 3; i++) cache.set(`t${i}`, i, null);
    expect(cache.get('t0')).toBe(0); // t1 is now the least recently used
    cache.set('t3', 3, null);
    expect(cache.size).toBe(3);
    expect(cache.get('t1')).toBeUndefined();
    expect(cache.get('t0')).toBe(0);
    expect(cache.get('t3')).toBe(3);
  });

  it('does not store an already expired token', () => {
    const cache = new TokenCache<number>(3, 60_000, () => 5_000);
    cache.set('old', 1, 4_000);
    expect(cache.size).toBe(0);
  });

  it('does not store a token that expires at this very millisecond', () => {
    const cache = new TokenCache<number>(3, 60_000, () => 5_000);
    cache.set('now', 1, 5_000);
    expect(cache.size).toBe(0);
    cache.set('next', 2, 5_001);
    expect(cache.get('next')).toBe(2);
  });

  it('stores nothing with a bound of 0 (the cache turned off)', () => {
    const cache = new TokenCache<number>(0, 60_000);
    cache.set('t', 1, null);
    expect(cache.size).toBe(0);
    expect(cache.get('t')).toBeUndefined();
  });

  it('counts setting a token again as a use: the token set again is evicted last', () => {
    const cache = new TokenCache<number>(3, 60_000);
    cache.set('a', 1, null);
    cache.set('b', 2, null);
    cache.set('a', 3, null);
    cache.set('c', 4, null);
    cache.set('d', 5, null);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(3);
    expect(cache.size).toBe(3);
  });

  it('forgets everything when cleared', () => {
    const cache = new TokenCache<number>(3, 60_000);
    cache.set('a', 1, null);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.get('a')).toBeUndefined();
  });
});
