import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Strict ordering: a subscription held by a failing delivery, and the later deliveries parked behind
 * it in arrival order until it succeeds or is dead-lettered.
 */
export class StrictOrdering1764000005000 implements MigrationInterface {
  name = 'StrictOrdering1764000005000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE delivery_holds (
        subscription_id text PRIMARY KEY,
        tenant_id text NOT NULL,
        blocking_delivery_id text NOT NULL,
        held_since timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE parked_deliveries (
        seq bigserial PRIMARY KEY,
        subscription_id text NOT NULL,
        tenant_id text NOT NULL,
        delivery_id text NOT NULL,
        message jsonb NOT NULL,
        parked_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(
      'CREATE INDEX parked_deliveries_by_subscription ON parked_deliveries (subscription_id, seq)',
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE parked_deliveries');
    await runner.query('DROP TABLE delivery_holds');
  }
}
