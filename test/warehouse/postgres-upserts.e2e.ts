/** The PostgreSQL adapter's upserts against the real server: version guard, first row wins, offsets forward, atomic writes. */
import { PostgresAdapter } from '@platform/warehouse';
import { warehouseUpsertContract, WarehouseProbe } from '@test/support';
import { createPgDatabase } from '../sink/support';

describe('PostgresAdapter upserts (real PostgreSQL)', () => {
  const drops = new Map<WarehouseProbe, () => Promise<void>>();
  warehouseUpsertContract(
    async () => {
      const db = await createPgDatabase();
      const probe: WarehouseProbe = { adapter: new PostgresAdapter({ connectionString: db.url }), query: async (sql) => (await db.client.query(sql)).rows };
      drops.set(probe, db.drop);
      return probe;
    },
    async (probe) => {
      await probe.adapter.close();
      await drops.get(probe)?.();
    },
  );
});
