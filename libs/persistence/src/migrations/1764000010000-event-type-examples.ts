import type { MigrationInterface, QueryRunner } from 'typeorm';

/** `examples`: sample `data` of an event type, shown in the catalog and sent by a test send. */
export class EventTypeExamples1764000010000 implements MigrationInterface {
  name = 'EventTypeExamples1764000010000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `ALTER TABLE event_types ADD COLUMN examples jsonb NOT NULL DEFAULT '[]'::jsonb
         CHECK (jsonb_typeof(examples) = 'array')`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE event_types DROP COLUMN examples');
  }
}
