import type { MigrationInterface, QueryRunner } from 'typeorm';

/** When a subscription's current run of failed attempts began; null while it is healthy. */
export class SubscriptionHealth1764000004100 implements MigrationInterface {
  name = 'SubscriptionHealth1764000004100';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE subscriptions ADD COLUMN failing_since timestamptz NULL');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE subscriptions DROP COLUMN failing_since');
  }
}
