import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `failure`: why an accepted event could not be matched — `{code, message, failed_at}` — set when the
 * matcher parks it in `herald.events.invalid`, so its tenant sees the reason with the event.
 */
export class EventFailure1764000007000 implements MigrationInterface {
  name = 'EventFailure1764000007000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE events ADD COLUMN failure jsonb');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE events DROP COLUMN failure');
  }
}
