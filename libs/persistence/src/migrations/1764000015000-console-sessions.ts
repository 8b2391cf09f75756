import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Console links (issue 15): a one-time link token exchanged for a session key. Neither secret is
 * stored, only its SHA-256, so a dump of the table opens no console. `session_hash` is null until
 * the exchange. Lookups are by hash (unique indexes) and by tenant for lists and revoke-all.
 */
export class ConsoleSessions1764000015000 implements MigrationInterface {
  name = 'ConsoleSessions1764000015000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE console_sessions (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants(id),
        created_by text NOT NULL CHECK (created_by IN ('tenant', 'operator')),
        read_only boolean NOT NULL DEFAULT false,
        pages text[],
        link_hash text NOT NULL UNIQUE,
        link_expires_at timestamptz NOT NULL,
        exchanged_at timestamptz,
        session_hash text UNIQUE,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((exchanged_at IS NULL) = (session_hash IS NULL))
      );
      CREATE INDEX console_sessions_tenant_idx ON console_sessions (tenant_id, id);
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE console_sessions');
  }
}
