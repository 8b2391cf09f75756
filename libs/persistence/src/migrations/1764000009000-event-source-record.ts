import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `source_record`: the Kafka record (topic/partition/offset) an event was first accepted from. The
 * same record read again (after a crash) emits the event again; another record with the same id is a
 * duplicate. This replaces marking every event published with a second write.
 */
export class EventSourceRecord1764000009000 implements MigrationInterface {
  name = 'EventSourceRecord1764000009000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE events ADD COLUMN source_record text');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE events DROP COLUMN source_record');
  }
}
