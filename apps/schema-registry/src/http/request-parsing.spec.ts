import { RegistryError } from '../domain/registry-errors';
import { parseCompatibilityUpdate, parseModeUpdate, parseSchemaId, parseSchemaRequest, queryFlag } from './request-parsing';

function errorCodeOf(run: () => unknown): number | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof RegistryError ? error.errorCode : -1;
  }
}

describe('request parsing at the edge', () => {
  it('reads a schema request: schemaType absent or AVRO, references optional', () => {
    expect(parseSchemaRequest({ schema: '"int"' })).toEqual({ schema: '"int"', references: [] });
    expect(parseSchemaRequest({ schema: '"int"', schemaType: 'avro', references: null, metadata: null, ruleSet: null })).toEqual({
      schema: '"int"',
      references: [],
    });
    const references = [{ name: 'x.A', subject: 'a', version: 2 }];
    expect(parseSchemaRequest({ schema: '"int"', schemaType: 'AVRO', references })).toEqual({ schema: '"int"', references });
  });

  it.each([
    ['no body', undefined],
    ['an array', [1]],
    ['no schema', { schemaType: 'AVRO' }],
    ['a non-string schema', { schema: { type: 'int' } }],
    ['JSON schema type', { schema: '{}', schemaType: 'JSON' }],
    ['PROTOBUF schema type', { schema: '', schemaType: 'PROTOBUF' }],
    ['an unknown schema type', { schema: '"int"', schemaType: 'XML' }],
    ['references not an array', { schema: '"int"', references: {} }],
    ['a reference without version', { schema: '"int"', references: [{ name: 'a', subject: 'b' }] }],
    ['a reference with version 0', { schema: '"int"', references: [{ name: 'a', subject: 'b', version: 0 }] }],
  ])('rejects %s with 42201', (_, body) => {
    expect(errorCodeOf(() => parseSchemaRequest(body))).toBe(42201);
  });

  it('reads compatibility and mode updates, rejecting anything else', () => {
    expect(parseCompatibilityUpdate({ compatibility: 'forward' })).toBe('FORWARD');
    expect(parseCompatibilityUpdate({ compatibilityLevel: 'FULL' })).toBe('FULL');
    expect(errorCodeOf(() => parseCompatibilityUpdate({ compatibility: 'MOSTLY' }))).toBe(42203);
    expect(errorCodeOf(() => parseCompatibilityUpdate(undefined))).toBe(42203);
    expect(parseModeUpdate({ mode: 'readonly' })).toBe('READONLY');
    expect(errorCodeOf(() => parseModeUpdate({ mode: 'OFF' }))).toBe(42204);
  });

  it('reads ids and flags', () => {
    expect(parseSchemaId('17')).toBe(17);
    for (const bad of ['0', '-1', 'x', '1.5', '99999999999']) expect(errorCodeOf(() => parseSchemaId(bad))).toBe(40403);
    expect(queryFlag('TRUE')).toBe(true);
    expect(queryFlag('1')).toBe(false);
    expect(queryFlag(undefined)).toBe(false);
  });
});

describe('schema limits', () => {
  const nested = (levels: number) => '['.repeat(levels) + '"int"' + ']'.repeat(levels);
  const limits = { maxBytes: 2048, maxDepth: 8 };
  const codeAndMessage = (body: unknown) => {
    try {
      parseSchemaRequest(body, limits);
      return 'accepted';
    } catch (error) {
      return `${(error as { errorCode: number }).errorCode} ${(error as Error).message}`;
    }
  };

  it('refuses a schema larger than the byte limit or nested deeper than the depth limit with 42201 naming the bound', () => {
    expect(codeAndMessage({ schema: nested(8) })).toBe('accepted');
    expect(codeAndMessage({ schema: nested(9) })).toMatch(/^42201 .*REGISTRY_MAX_SCHEMA_DEPTH \(8 levels\)/);
    expect(codeAndMessage({ schema: JSON.stringify({ type: 'record', name: 'R', doc: 'x'.repeat(2048), fields: [] }) })).toMatch(/^42201 .*REGISTRY_MAX_SCHEMA_BYTES \(2048 bytes\)/);
    // Brackets inside strings are not nesting.
    expect(codeAndMessage({ schema: JSON.stringify({ type: 'record', name: 'R', doc: '[[[[[[[[[[[[{{{{{{ \\" [[[[', fields: [] }) })).toBe('accepted');
  });
});
