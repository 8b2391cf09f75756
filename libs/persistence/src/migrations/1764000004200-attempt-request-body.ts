import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The request body of an attempt, kept (up to 64 KiB) while its subscription has `debug` on. */
export class AttemptRequestBody1764000004200 implements MigrationInterface {
  name = 'AttemptRequestBody1764000004200';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE attempts ADD COLUMN request_body text NULL');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE attempts DROP COLUMN request_body');
  }
}
