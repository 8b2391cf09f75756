import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A subscription's `metadata`: the tenant's own JSON object, which its transformation can read. */
export class SubscriptionMetadata1764000012000 implements MigrationInterface {
  name = 'SubscriptionMetadata1764000012000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      "ALTER TABLE subscriptions ADD COLUMN metadata jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object')",
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE subscriptions DROP COLUMN metadata');
  }
}
