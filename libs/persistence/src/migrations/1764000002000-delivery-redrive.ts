import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `redriven_at` marks a failed or dead delivery that was sent again as a new delivery, so a redrive
 * or recover by range does not send it twice; and indexes for the delivery history views.
 */
export class DeliveryRedrive1764000002000 implements MigrationInterface {
  name = 'DeliveryRedrive1764000002000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE deliveries ADD COLUMN redriven_at timestamptz;
      -- The whole history of a tenant, newest first (ids sort by creation time).
      CREATE INDEX deliveries_tenant_id_idx ON deliveries (tenant_id, id);
      -- What a redrive or recover by range still has to send.
      CREATE INDEX deliveries_unresolved_idx ON deliveries (tenant_id, subscription_id, created_at)
        WHERE status IN ('failed', 'dead') AND redriven_at IS NULL;
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      DROP INDEX deliveries_unresolved_idx;
      DROP INDEX deliveries_tenant_id_idx;
      ALTER TABLE deliveries DROP COLUMN redriven_at;
    `);
  }
}
