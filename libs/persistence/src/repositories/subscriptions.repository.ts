import { type DataSource } from 'typeorm';
import {
  decryptSecret,
  encryptSecret,
  generateSigningSecret,
  newId,
  type Destination,
  type JsonObject,
  type Ordering,
  type Subscription,
  type SubscriptionStatus,
} from '@herald/domain';
import { isoRequired, toPage, type Page, type PageRequest } from '../rows';

export interface NewSubscription {
  description: string;
  enabled: boolean;
  debug: boolean;
  eventTypes: string[];
  destination: Destination;
  filter: JsonObject | null;
  triggerFields: string[] | null;
  payloadFields: string[] | null;
  ordering: Ordering;
  rateLimitPerSecond: number | null;
}

interface SubscriptionRow {
  id: string;
  tenant_id: string;
  description: string;
  enabled: boolean;
  debug: boolean;
  event_types: string[];
  destination: JsonObject;
  destination_secrets: string | null;
  signing_secret: string;
  previous_signing_secret: string | null;
  previous_secret_expires_at: Date | null;
  filter: JsonObject | null;
  trigger_fields: string[] | null;
  payload_fields: string[] | null;
  ordering: Ordering;
  rate_limit_per_second: number | null;
  status: SubscriptionStatus;
  disabled_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

/** Secret parts of a destination (header values, cloud keys) are sealed; the rest stays queryable. */
function splitDestination(destination: Destination): {
  open: JsonObject;
  sealed: JsonObject | null;
} {
  switch (destination.type) {
    case 'webhook':
      return {
        open: { type: 'webhook', url: destination.url },
        sealed: { headers: destination.headers },
      };
    case 'email':
      return { open: { type: 'email', to: destination.to }, sealed: null };
    case 'sqs': {
      const { secretAccessKey, ...open } = destination;
      return { open: { ...open }, sealed: { secretAccessKey } };
    }
  }
}

function joinDestination(open: JsonObject, sealed: JsonObject | null): Destination {
  return { ...open, ...(sealed ?? {}) } as unknown as Destination;
}

export class SubscriptionsRepository {
  constructor(
    private readonly db: DataSource,
    private readonly key: Buffer,
  ) {}

  private toSubscription(row: SubscriptionRow): Subscription {
    const sealed = row.destination_secrets
      ? (JSON.parse(decryptSecret(this.key, row.destination_secrets)) as JsonObject)
      : null;
    return {
      id: row.id,
      tenantId: row.tenant_id,
      description: row.description,
      enabled: row.enabled,
      debug: row.debug,
      eventTypes: row.event_types,
      destination: joinDestination(row.destination, sealed),
      filter: row.filter,
      triggerFields: row.trigger_fields,
      payloadFields: row.payload_fields,
      ordering: row.ordering,
      rateLimitPerSecond: row.rate_limit_per_second,
      status: row.status,
      disabledReason: row.disabled_reason,
      createdAt: isoRequired(row.created_at),
      updatedAt: isoRequired(row.updated_at),
    };
  }

  /** Creates a subscription with a new signing secret, which is returned in the clear this once. */
  async create(
    tenantId: string,
    input: NewSubscription,
  ): Promise<{ subscription: Subscription; secret: string }> {
    const secret = generateSigningSecret();
    const { open, sealed } = splitDestination(input.destination);
    const rows: SubscriptionRow[] = await this.db.query(
      `INSERT INTO subscriptions (id, tenant_id, description, enabled, debug, event_types, destination_type,
         destination, destination_secrets, signing_secret, filter, trigger_fields, payload_fields, ordering,
         rate_limit_per_second)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       RETURNING *`,
      [
        newId('sub'),
        tenantId,
        input.description,
        input.enabled,
        input.debug,
        input.eventTypes,
        input.destination.type,
        open,
        sealed ? encryptSecret(this.key, JSON.stringify(sealed)) : null,
        encryptSecret(this.key, secret),
        input.filter,
        input.triggerFields === null ? null : JSON.stringify(input.triggerFields),
        input.payloadFields === null ? null : JSON.stringify(input.payloadFields),
        input.ordering,
        input.rateLimitPerSecond,
      ],
    );
    return { subscription: this.toSubscription(rows[0]), secret };
  }

  async get(tenantId: string, id: string): Promise<Subscription | null> {
    const rows: SubscriptionRow[] = await this.db.query(
      'SELECT * FROM subscriptions WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL',
      [tenantId, id],
    );
    return rows[0] ? this.toSubscription(rows[0]) : null;
  }

  async list(tenantId: string, page: PageRequest): Promise<Page<Subscription>> {
    const rows: SubscriptionRow[] = await this.db.query(
      `SELECT * FROM subscriptions WHERE tenant_id = $1 AND deleted_at IS NULL AND ($2::text IS NULL OR id > $2)
       ORDER BY id LIMIT $3`,
      [tenantId, page.after, page.limit + 1],
    );
    return toPage(
      rows.map((row) => this.toSubscription(row)),
      page.limit,
    );
  }

  /** The live subscriptions of a tenant, for matching. */
  async listActive(tenantId: string): Promise<Subscription[]> {
    const rows: SubscriptionRow[] = await this.db.query(
      `SELECT * FROM subscriptions
       WHERE tenant_id = $1 AND deleted_at IS NULL AND enabled AND status = 'active' ORDER BY id`,
      [tenantId],
    );
    return rows.map((row) => this.toSubscription(row));
  }

  /** The subscription with every signing secret currently valid (two during a rotation). */
  async getForDelivery(
    tenantId: string,
    id: string,
  ): Promise<{ subscription: Subscription; signingSecrets: string[] } | null> {
    const rows: SubscriptionRow[] = await this.db.query(
      'SELECT * FROM subscriptions WHERE tenant_id = $1 AND id = $2',
      [tenantId, id],
    );
    const row = rows[0];
    if (!row) return null;
    const signingSecrets = [decryptSecret(this.key, row.signing_secret)];
    const previousValid =
      row.previous_secret_expires_at && row.previous_secret_expires_at.getTime() > Date.now();
    if (row.previous_signing_secret && previousValid) {
      signingSecrets.push(decryptSecret(this.key, row.previous_signing_secret));
    }
    return { subscription: this.toSubscription(row), signingSecrets };
  }

  async getSigningSecret(tenantId: string, id: string): Promise<string | null> {
    const rows: { signing_secret: string }[] = await this.db.query(
      'SELECT signing_secret FROM subscriptions WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL',
      [tenantId, id],
    );
    return rows[0] ? decryptSecret(this.key, rows[0].signing_secret) : null;
  }
}
