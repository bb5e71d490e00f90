/** SQL text of the PostgreSQL adapter; its behaviour against a real server is test/warehouse/postgres-upserts.e2e.ts. */
import { versionedTableSpec as spec } from '../../../test/support/warehouse-contract';
import { postgresUpsertSql } from './postgres-adapter';

describe('postgresUpsertSql', () => {
  it('updates a versioned row only when the incoming version is higher', () => {
    expect(postgresUpsertSql(spec)).toBe(
      'INSERT INTO "analytics"."agg" AS t ("k", "at", "doc", "version") ' +
        'SELECT u."k", timestamptz \'epoch\' + u."at" * interval \'1 millisecond\', u."doc"::jsonb, u."version" ' +
        'FROM unnest($1::text[], $2::bigint[], $3::text[], $4::integer[]) AS u("k", "at", "doc", "version") ON CONFLICT ("k") ' +
        'DO UPDATE SET "at" = EXCLUDED."at", "doc" = EXCLUDED."doc", "version" = EXCLUDED."version", "loaded_at" = now() WHERE EXCLUDED."version" > t."version"',
    );
  });

  it('does nothing on conflict for a keep-existing table', () => {
    expect(postgresUpsertSql({ ...spec, conflict: { kind: 'keep-existing' } }).endsWith(' ON CONFLICT ("k") DO NOTHING')).toBe(true);
  });
});
