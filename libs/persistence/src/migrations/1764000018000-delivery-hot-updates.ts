import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A delivery's attempt updates its row in place (a HOT update): no index names `status` any more.
 * Every first attempt moved the row from `pending` to `succeeded`, and with `status` in two indexes
 * PostgreSQL wrote a new row version **and a new entry in each of the table's six indexes** for it
 * (the indexes point at row versions), then vacuumed the old ones. Now:
 *
 * - `attention` is the status when it asks for someone's attention (`retrying`, `failed`, `dead`),
 *   else NULL, computed by PostgreSQL; `pending` → `succeeded` leaves it NULL, so it does not stop
 *   a HOT update, and only the rare failing delivery changes it.
 * - The lists by status take `attention` for those statuses (its partial index, which holds only
 *   failing deliveries); `pending` and `succeeded` are found through the tenant's history index.
 * - The unresolved (failed or dead, not redriven) index reads `attention`.
 * - Pages are filled to 80 % on insert, so the new version of a row finds room beside it.
 *
 * Adding a stored column rewrites the table once, under an exclusive lock (README, Upgrading).
 */
export class DeliveryHotUpdates1764000018000 implements MigrationInterface {
  name = 'DeliveryHotUpdates1764000018000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE deliveries ADD COLUMN attention text GENERATED ALWAYS AS (
        CASE WHEN status IN ('retrying', 'failed', 'dead') THEN status END
      ) STORED;
      ALTER TABLE deliveries SET (fillfactor = 80);
      DROP INDEX deliveries_tenant_status_idx;
      DROP INDEX deliveries_unresolved_idx;
      CREATE INDEX deliveries_tenant_attention_idx ON deliveries (tenant_id, attention, id)
        WHERE attention IS NOT NULL;
      CREATE INDEX deliveries_unresolved_idx ON deliveries (tenant_id, subscription_id, created_at)
        WHERE attention IN ('failed', 'dead') AND redriven_at IS NULL;
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      DROP INDEX deliveries_unresolved_idx;
      DROP INDEX deliveries_tenant_attention_idx;
      ALTER TABLE deliveries RESET (fillfactor);
      ALTER TABLE deliveries DROP COLUMN attention;
      CREATE INDEX deliveries_tenant_status_idx ON deliveries (tenant_id, status, id);
      CREATE INDEX deliveries_unresolved_idx ON deliveries (tenant_id, subscription_id, created_at)
        WHERE status IN ('failed', 'dead') AND redriven_at IS NULL;
    `);
  }
}
