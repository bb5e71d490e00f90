/** SQL text of the PostgreSQL adapter; its behaviour against a real server is test/warehouse/postgres-upserts.e2e.ts. */
import { TableSpec } from './columns';
import { postgresUpsertSql } from './postgres-adapter';

const spec: TableSpec = {
  name: 'analytics.aggregated_events',
  schema: 'analytics',
  table: 'agg',
  key: ['k'],
  conflict: { kind: 'newer-version-wins', versionColumn: 'version' },
  columns: [
    { name: 'k', type: 'string', nullable: false },
    { name: 'version', type: 'integer', nullable: false },
  ],
};

describe('postgresUpsertSql', () => {
  it('updates a versioned row only when the incoming version is higher', () => {
    const sql = postgresUpsertSql(spec);
    expect(sql).toMatch(/^INSERT INTO "analytics"\."agg" AS t \("k", "version"\) SELECT .* FROM unnest\(\$1::[a-z]+\[\], \$2::[a-z]+\[\]\) AS u\("k", "version"\) ON CONFLICT \("k"\) /);
    expect(sql.endsWith(' DO UPDATE SET "version" = EXCLUDED."version", "loaded_at" = now() WHERE EXCLUDED."version" > t."version"')).toBe(true);
  });

  it('does nothing on conflict for a keep-existing table', () => {
    expect(postgresUpsertSql({ ...spec, conflict: { kind: 'keep-existing' } }).endsWith(' ON CONFLICT ("k") DO NOTHING')).toBe(true);
  });
});
