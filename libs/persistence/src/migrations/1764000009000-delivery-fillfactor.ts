import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Room in each page of `deliveries` for a row's next version: marking a delivery published (the
 * matcher, right after inserting it) then updates it in place (a HOT update) instead of adding an
 * entry to each of its six indexes. Applies to pages written from now on.
 */
export class DeliveryFillfactor1764000009000 implements MigrationInterface {
  name = 'DeliveryFillfactor1764000009000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE deliveries SET (fillfactor = 80)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE deliveries RESET (fillfactor)');
  }
}
