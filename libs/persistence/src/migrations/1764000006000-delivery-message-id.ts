import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `message_id`: the `webhook-id` a delivery is sent with when it is not its own id — a retry or
 * redrive resends the same message, so it keeps the first delivery's (Standard Webhooks: the id stays
 * the same when a message is resent). Null means the delivery's own id.
 */
export class DeliveryMessageId1764000006000 implements MigrationInterface {
  name = 'DeliveryMessageId1764000006000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE deliveries ADD COLUMN message_id text');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE deliveries DROP COLUMN message_id');
  }
}
