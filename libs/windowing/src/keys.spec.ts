import { parseUserKey, userKey, windowKey } from './keys';
import { compactMutations } from './mutations';

describe('changelog keys', () => {
  it('length-prefixes the variable parts of window and user keys', () => {
    expect(windowKey('1m', 'clickstream', 'home', 1_700_000_040_000)).toBe('w|2:1m11:clickstream4:home1700000040000');
    expect(windowKey('', '', '', 0)).toBe('w|0:0:0:0');
    expect(userKey('w|2:1m1:a0:60000', 'u:1')).toBe('u|16:w|2:1m1:a0:60000u:1');
  });

  it('keeps group values that contain the separators apart', () => {
    expect(windowKey('w', 'a', '1:b', 5)).not.toBe(windowKey('w', 'a1', ':b', 5));
  });

  it('parses a user key back into its window key and user id', () => {
    expect(parseUserKey('u|16:w|2:1m1:a0:60000u:1')).toEqual({ window: 'w|2:1m1:a0:60000', user: 'u:1' });
    expect(parseUserKey('u|3:abc')).toEqual({ window: 'abc', user: '' });
    expect(parseUserKey('u|0:xyz')).toEqual({ window: '', user: 'xyz' });
    expect(parseUserKey('u|2:ab:c')).toEqual({ window: 'ab', user: ':c' });
  });

  it('answers undefined for a malformed user key', () => {
    for (const key of ['w|3:abc', 'x|3:abc', 'u3:abc', 'u|3abc', 'u|x:abc', 'u|-1:abc', 'u|1.5:abc', 'u|4:abc', 'u|:abc'.replace(':', 'z')]) {
      expect({ key, parsed: parseUserKey(key) }).toEqual({ key, parsed: undefined });
    }
  });

  it('answers undefined for a user key without a colon, whatever its digits', () => {
    expect(parseUserKey('u|12')).toBeUndefined();
  });

  it('a colon before the prefix ends is not the length separator', () => {
    // 'u|' is two characters: the search for ':' starts after it.
    expect(parseUserKey('u|1:a:')).toEqual({ window: 'a', user: ':' });
  });
});

describe('compactMutations', () => {
  it('keeps the last write per key, in the order keys were first written', () => {
    expect(
      compactMutations([
        [
          { key: 'a', value: { n: 1 } },
          { key: 'b', value: { n: 2 } },
        ],
        [
          { key: 'a', value: null },
          { key: 'c', value: { n: 3 } },
        ],
        [{ key: 'b', value: { n: 4 } }],
      ]),
    ).toEqual([
      { key: 'a', value: null },
      { key: 'b', value: { n: 4 } },
      { key: 'c', value: { n: 3 } },
    ]);
    expect(compactMutations([])).toEqual([]);
  });
});
