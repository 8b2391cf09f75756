import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The per-tenant catalog of event types; archived types stay for history and can be unarchived. */
export class EventTypes1764000001000 implements MigrationInterface {
  name = 'EventTypes1764000001000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE event_types (
        tenant_id text NOT NULL REFERENCES tenants(id),
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        schema jsonb,
        trigger_fields jsonb,
        payload_fields jsonb,
        archived_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, name)
      );
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE event_types');
  }
}
