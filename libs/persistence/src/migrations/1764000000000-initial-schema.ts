import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE tenants (
        id text PRIMARY KEY,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE api_keys (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants(id),
        name text NOT NULL DEFAULT '',
        prefix text NOT NULL,
        hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        revoked_at timestamptz
      );
      CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id, id);

      CREATE TABLE subscriptions (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants(id),
        description text NOT NULL DEFAULT '',
        enabled boolean NOT NULL DEFAULT true,
        debug boolean NOT NULL DEFAULT false,
        event_types text[] NOT NULL,
        destination_type text NOT NULL,
        destination jsonb NOT NULL,
        destination_secrets text,
        signing_secret text NOT NULL,
        previous_signing_secret text,
        previous_secret_expires_at timestamptz,
        filter jsonb,
        trigger_fields jsonb,
        payload_fields jsonb,
        ordering text NOT NULL DEFAULT 'best_effort' CHECK (ordering IN ('best_effort', 'strict')),
        rate_limit_per_second integer CHECK (rate_limit_per_second > 0),
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
        disabled_reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      CREATE INDEX subscriptions_tenant_idx ON subscriptions (tenant_id, id) WHERE deleted_at IS NULL;

      CREATE TABLE events (
        tenant_id text NOT NULL REFERENCES tenants(id),
        id text NOT NULL,
        type text NOT NULL,
        occurred_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        subject text,
        changed_fields jsonb,
        data jsonb NOT NULL,
        published_at timestamptz,
        PRIMARY KEY (tenant_id, id)
      );
      CREATE INDEX events_tenant_type_idx ON events (tenant_id, type, received_at);
      CREATE INDEX events_tenant_received_idx ON events (tenant_id, received_at);

      CREATE TABLE deliveries (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants(id),
        subscription_id text NOT NULL REFERENCES subscriptions(id),
        event_id text NOT NULL,
        event_type text NOT NULL,
        origin text NOT NULL DEFAULT 'event' CHECK (origin IN ('event', 'replay', 'test', 'retry')),
        status text NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'succeeded', 'retrying', 'failed', 'dead')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        last_attempt_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz,
        FOREIGN KEY (tenant_id, event_id) REFERENCES events (tenant_id, id)
      );
      -- One delivery per subscription for each event as it first flows; replays and tests add more.
      CREATE UNIQUE INDEX deliveries_event_subscription_uq ON deliveries (event_id, subscription_id)
        WHERE origin = 'event';
      CREATE INDEX deliveries_tenant_subscription_idx ON deliveries (tenant_id, subscription_id, id);
      CREATE INDEX deliveries_tenant_event_idx ON deliveries (tenant_id, event_id);
      CREATE INDEX deliveries_tenant_status_idx ON deliveries (tenant_id, status, id);

      CREATE TABLE attempts (
        id text PRIMARY KEY,
        delivery_id text NOT NULL REFERENCES deliveries(id),
        tenant_id text NOT NULL,
        subscription_id text NOT NULL,
        attempt integer NOT NULL,
        started_at timestamptz NOT NULL,
        duration_ms integer NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('succeeded', 'failed')),
        status_code integer,
        error_class text CHECK (error_class IN ('retryable', 'permanent', 'ours')),
        error_message text,
        response_excerpt text
      );
      CREATE INDEX attempts_delivery_idx ON attempts (delivery_id, attempt);
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(
      'DROP TABLE attempts; DROP TABLE deliveries; DROP TABLE events; DROP TABLE subscriptions; DROP TABLE api_keys; DROP TABLE tenants;',
    );
  }
}
