import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Body transformations (JSONata source text): a subscription's own, and an event type's default for
 * the subscriptions of that type that have none. Null: the standard body.
 */
export class Transformations1764000011000 implements MigrationInterface {
  name = 'Transformations1764000011000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE subscriptions ADD COLUMN transformation text');
    await runner.query('ALTER TABLE event_types ADD COLUMN transformation text');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE event_types DROP COLUMN transformation');
    await runner.query('ALTER TABLE subscriptions DROP COLUMN transformation');
  }
}
