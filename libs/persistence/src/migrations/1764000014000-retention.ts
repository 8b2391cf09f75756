import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A tenant's own retention (null: `HERALD_RETENTION`). Nothing else changes: the purge walks indexes
 * that exist already — deliveries by `(tenant_id, id)`, their attempts by `(delivery_id, attempt)`,
 * events by `(tenant_id, received_at)` with a `(tenant_id, event_id)` probe of deliveries — so the
 * hot statements and their indexes stay as they are. Adding a nullable column without a default
 * rewrites no rows.
 */
export class Retention1764000014000 implements MigrationInterface {
  name = 'Retention1764000014000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      'ALTER TABLE tenants ADD COLUMN retention_ms bigint CHECK (retention_ms > 0)',
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE tenants DROP COLUMN retention_ms');
  }
}
