import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A console link's theme (issue 15): `{accent, logo_url, mode}` for an operator's product that
 * frames the console; null is the console's own look.
 */
export class ConsoleSessionTheme1764000017000 implements MigrationInterface {
  name = 'ConsoleSessionTheme1764000017000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE console_sessions ADD COLUMN theme jsonb');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE console_sessions DROP COLUMN theme');
  }
}
