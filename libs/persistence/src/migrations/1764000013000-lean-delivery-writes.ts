import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The delivery log's foreign keys go: every delivery and attempt row paid a locking lookup per key
 * (a `SELECT … FOR KEY SHARE` of its event, tenant and subscription, and of its delivery for an
 * attempt), which measured about 45 % of the deliveries INSERT and a fifth of PostgreSQL's time on
 * the hot path. What they guarded holds by construction: the matcher plans deliveries only for
 * events event-ingest has stored, redelivery and tests only for events read back, the deliverer
 * records attempts only for deliveries it was sent; tenants are never deleted and subscriptions are
 * deleted softly. The history is also what retention will drop by age, table by table, which
 * references across those tables would stand in the way of.
 */
export class LeanDeliveryWrites1764000013000 implements MigrationInterface {
  name = 'LeanDeliveryWrites1764000013000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE deliveries
        DROP CONSTRAINT IF EXISTS deliveries_tenant_id_event_id_fkey,
        DROP CONSTRAINT IF EXISTS deliveries_tenant_id_fkey,
        DROP CONSTRAINT IF EXISTS deliveries_subscription_id_fkey;
      ALTER TABLE attempts DROP CONSTRAINT IF EXISTS attempts_delivery_id_fkey;
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE deliveries
        ADD FOREIGN KEY (tenant_id, event_id) REFERENCES events (tenant_id, id),
        ADD FOREIGN KEY (tenant_id) REFERENCES tenants (id),
        ADD FOREIGN KEY (subscription_id) REFERENCES subscriptions (id);
      ALTER TABLE attempts ADD FOREIGN KEY (delivery_id) REFERENCES deliveries (id);
    `);
  }
}
