import type { MigrationInterface, QueryRunner } from 'typeorm';

/** `max_in_flight`: best-effort deliveries of a subscription in flight at once; null for the default. */
export class SubscriptionMaxInFlight1764000008000 implements MigrationInterface {
  name = 'SubscriptionMaxInFlight1764000008000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      'ALTER TABLE subscriptions ADD COLUMN max_in_flight integer CHECK (max_in_flight BETWEEN 1 AND 128)',
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE subscriptions DROP COLUMN max_in_flight');
  }
}
