import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Kafka messages written in the same transaction as the change they announce (transactional outbox). */
export class SubscriptionOutbox1764000003000 implements MigrationInterface {
  name = 'SubscriptionOutbox1764000003000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        topic text NOT NULL,
        key text,
        value jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE outbox');
  }
}
