import { quoteIdent, quoteLiteral } from './sql';

describe('SQL quoting', () => {
  it('double-quotes identifiers, doubling every quote inside', () => {
    expect(quoteIdent('events')).toBe('"events"');
    expect(quoteIdent('a"b"c')).toBe('"a""b""c"');
    expect(quoteIdent("it's")).toBe('"it\'s"');
  });

  it('single-quotes literals, doubling every quote inside', () => {
    expect(quoteLiteral('/tmp/x.parquet')).toBe("'/tmp/x.parquet'");
    expect(quoteLiteral("o'brien's")).toBe("'o''brien''s'");
    expect(quoteLiteral('say "hi"')).toBe('\'say "hi"\'');
  });
});
