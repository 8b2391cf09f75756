import type { DataSource, EntityManager } from 'typeorm';
import {
  decryptSecret,
  encryptSecret,
  joinDestinationSecrets,
  keepMaskedSecrets,
  newId,
  splitDestinationSecrets,
  type Destination,
  type JsonObject,
  type MatchableSubscription,
  type Ordering,
  type Subscription,
  type SubscriptionLiveness,
  type SubscriptionStatus,
} from '@herald/domain';
import { iso, isoRequired, toPage, type Page, type PageRequest } from '../rows';

/** A subscription's secrets do not open with this HERALD_ENCRYPTION_KEY (a wrong or rotated key). */
export class SecretsUnreadableError extends Error {
  constructor(subscriptionId: string, cause: unknown) {
    super(
      `the secrets of subscription ${subscriptionId} cannot be read with this HERALD_ENCRYPTION_KEY`,
      {
        cause,
      },
    );
    this.name = 'SecretsUnreadableError';
  }
}

/** A subscription as it is sent to: every signing secret currently valid (two during a rotation). */
export interface SubscriptionForDelivery {
  subscription: Subscription;
  signingSecrets: string[];
}

/**
 * What a delivery needs of its subscription: how its deliveries are paced and ordered, whether they
 * may still be sent, and what they are sent with.
 */
export interface DeliveryTarget extends SubscriptionLiveness {
  ordering: Ordering;
  rateLimitPerSecond: number | null;
  /** Best-effort deliveries in flight at once; null for the default. */
  maxInFlight: number | null;
  /** For metrics: deliveries are counted by destination type. */
  destinationType: Destination['type'];
  /** An SQS FIFO queue: it keeps the order it is sent in, so it is sent one at a time. */
  fifo: boolean;
  /** A strict hold is in place (deliveries may be parked behind it). */
  held: boolean;
  /** The subscription with its secrets opened, or why this HERALD_ENCRYPTION_KEY cannot open them. */
  opened: SubscriptionForDelivery | SecretsUnreadableError;
}

/** What a subscription is created with: its own fields, the last three optional. */
export type NewSubscription = Pick<
  Subscription,
  | 'description'
  | 'enabled'
  | 'debug'
  | 'eventTypes'
  | 'destination'
  | 'filter'
  | 'triggerFields'
  | 'payloadFields'
  | 'ordering'
  | 'rateLimitPerSecond'
> & {
  /** Left out or null: Herald's default window. */
  maxInFlight?: Subscription['maxInFlight'];
  /** Left out or null: the event type's transformation, or the standard body. */
  transformation?: Subscription['transformation'];
  /** Left out: none (`{}`). */
  metadata?: Subscription['metadata'];
};

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
  max_in_flight: number | null;
  transformation: string | null;
  metadata: JsonObject;
  status: SubscriptionStatus;
  disabled_reason: string | null;
  failing_since: Date | null;
  created_at: Date;
  updated_at: Date;
}

function jsonList(list: string[] | null | undefined): string | null {
  return list === null || list === undefined ? null : JSON.stringify(list);
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
      destination: joinDestinationSecrets(row.destination, sealed),
      filter: row.filter,
      triggerFields: row.trigger_fields,
      payloadFields: row.payload_fields,
      ordering: row.ordering,
      rateLimitPerSecond: row.rate_limit_per_second,
      maxInFlight: row.max_in_flight,
      transformation: row.transformation,
      metadata: row.metadata,
      status: row.status,
      disabledReason: row.disabled_reason,
      failingSince: iso(row.failing_since),
      createdAt: isoRequired(row.created_at),
      updatedAt: isoRequired(row.updated_at),
    };
  }

  /*
   * Writes take the caller's transaction and only write: SubscriptionChanges opens the transaction
   * and announces each change on the changelog in it.
   */

  /** Inserts a subscription signed by `secret` (sealed here, like its destination's secrets). */
  async insert(
    tx: EntityManager,
    tenantId: string,
    input: NewSubscription,
    secret: string,
  ): Promise<Subscription> {
    const { open, sealed } = splitDestinationSecrets(input.destination);
    const rows: SubscriptionRow[] = await tx.query(
      `INSERT INTO subscriptions (id, tenant_id, description, enabled, debug, event_types, destination_type,
         destination, destination_secrets, signing_secret, filter, trigger_fields, payload_fields, ordering,
         rate_limit_per_second, max_in_flight, transformation, metadata)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
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
        jsonList(input.triggerFields),
        jsonList(input.payloadFields),
        input.ordering,
        input.rateLimitPerSecond,
        input.maxInFlight ?? null,
        input.transformation ?? null,
        input.metadata ?? {},
      ],
    );
    return this.toSubscription(rows[0]);
  }

  /**
   * Changes the fields given; `destination` is replaced whole, except that a secret setting (as its
   * kind marks them) that is the mask keeps its stored value, so a client can send back what it read.
   */
  async update(
    tx: EntityManager,
    tenantId: string,
    id: string,
    patch: Partial<NewSubscription>,
  ): Promise<Subscription | null> {
    const current: SubscriptionRow[] = await tx.query(
      'SELECT * FROM subscriptions WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL FOR UPDATE',
      [tenantId, id],
    );
    if (!current[0]) return null;
    const sets: string[] = [];
    const values: unknown[] = [tenantId, id];
    const set = (column: string, value: unknown): void => {
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    };
    if (patch.description !== undefined) set('description', patch.description);
    if (patch.enabled !== undefined) set('enabled', patch.enabled);
    if (patch.debug !== undefined) set('debug', patch.debug);
    if (patch.eventTypes !== undefined) set('event_types', patch.eventTypes);
    if (patch.filter !== undefined) set('filter', patch.filter);
    if (patch.triggerFields !== undefined) set('trigger_fields', jsonList(patch.triggerFields));
    if (patch.payloadFields !== undefined) set('payload_fields', jsonList(patch.payloadFields));
    if (patch.ordering !== undefined) set('ordering', patch.ordering);
    if (patch.rateLimitPerSecond !== undefined)
      set('rate_limit_per_second', patch.rateLimitPerSecond);
    if (patch.maxInFlight !== undefined) set('max_in_flight', patch.maxInFlight);
    if (patch.transformation !== undefined) set('transformation', patch.transformation);
    if (patch.metadata !== undefined) set('metadata', patch.metadata);
    if (patch.destination !== undefined) {
      const destination = keepMaskedSecrets(
        patch.destination,
        this.toSubscription(current[0]).destination,
      );
      const { open, sealed } = splitDestinationSecrets(destination);
      set('destination_type', destination.type);
      set('destination', open);
      set('destination_secrets', sealed ? encryptSecret(this.key, JSON.stringify(sealed)) : null);
    }
    // Re-enabling a subscription that Herald disabled clears the reason and the run of failures.
    if (patch.enabled === true) {
      sets.push(`status = 'active'`, 'disabled_reason = NULL', 'failing_since = NULL');
    }
    sets.push('updated_at = now()');
    const rows: [SubscriptionRow[], number] = await tx.query(
      `UPDATE subscriptions SET ${sets.join(', ')} WHERE tenant_id = $1 AND id = $2 RETURNING *`,
      values,
    );
    return this.toSubscription(rows[0][0]);
  }

  /** Marks a subscription deleted (its deliveries and attempts stay in the history). */
  async markDeleted(tx: EntityManager, tenantId: string, id: string): Promise<Subscription | null> {
    const rows: [SubscriptionRow[], number] = await tx.query(
      `UPDATE subscriptions SET deleted_at = now(), enabled = false, updated_at = now()
       WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING *`,
      [tenantId, id],
    );
    return rows[0][0] ? this.toSubscription(rows[0][0]) : null;
  }

  /**
   * Makes `secret` the signing secret; the previous one keeps signing too until `overlapMs` from now,
   * so receivers can switch without dropping a delivery.
   */
  async replaceSigningSecret(
    tx: EntityManager,
    tenantId: string,
    id: string,
    secret: string,
    overlapMs: number,
  ): Promise<{ subscription: Subscription; previousExpiresAt: string } | null> {
    // UPDATE … RETURNING comes back from TypeORM as [rows, count].
    const [rows]: [SubscriptionRow[], number] = await tx.query(
      `UPDATE subscriptions
       SET previous_signing_secret = signing_secret, signing_secret = $3,
           previous_secret_expires_at = now() + ($4 || ' milliseconds')::interval, updated_at = now()
       WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL
       RETURNING *`,
      [tenantId, id, encryptSecret(this.key, secret), String(overlapMs)],
    );
    if (!rows[0]) return null;
    return {
      subscription: this.toSubscription(rows[0]),
      previousExpiresAt: isoRequired(rows[0].previous_secret_expires_at as Date),
    };
  }

  /**
   * Notes a failed attempt: starts the subscription's run of failures at `at` unless one is under way.
   * Returns when the run began and whether this attempt began it; null when there is no such
   * subscription. Writes only when a run starts, so an endpoint that keeps failing costs no updates.
   */
  async noteFailure(
    tenantId: string,
    id: string,
    at: Date,
  ): Promise<{ failingSince: Date; started: boolean } | null> {
    // A success may clear the run between the two statements; then the next round starts a new one.
    for (let round = 0; round < 3; round++) {
      const [started]: [{ failing_since: Date }[], number] = await this.db.query(
        `UPDATE subscriptions SET failing_since = $3
         WHERE tenant_id = $1 AND id = $2 AND failing_since IS NULL RETURNING failing_since`,
        [tenantId, id, at],
      );
      if (started[0]) return { failingSince: started[0].failing_since, started: true };
      const rows: { failing_since: Date | null }[] = await this.db.query(
        'SELECT failing_since FROM subscriptions WHERE tenant_id = $1 AND id = $2',
        [tenantId, id],
      );
      if (!rows[0]) return null;
      if (rows[0].failing_since) return { failingSince: rows[0].failing_since, started: false };
    }
    return null;
  }

  /**
   * Notes a successful attempt: ends the run of failures, returning when it began (null when the
   * subscription was not failing). On the hot path this is one UPDATE that matches no row.
   */
  async noteSuccess(tenantId: string, id: string): Promise<Date | null> {
    const [rows]: [{ failing_since: Date }[], number] = await this.db.query(
      `UPDATE subscriptions s SET failing_since = NULL
       FROM (SELECT id, failing_since FROM subscriptions
             WHERE tenant_id = $1 AND id = $2 AND failing_since IS NOT NULL FOR UPDATE) previous
       WHERE s.tenant_id = $1 AND s.id = previous.id
       RETURNING previous.failing_since`,
      [tenantId, id],
    );
    return rows[0]?.failing_since ?? null;
  }

  /**
   * Marks an active subscription `disabled` by Herald, with the reason; null when it was already
   * disabled or does not exist.
   */
  async markDisabled(
    tx: EntityManager,
    tenantId: string,
    id: string,
    reason: string,
  ): Promise<Subscription | null> {
    const [rows]: [SubscriptionRow[], number] = await tx.query(
      `UPDATE subscriptions SET status = 'disabled', disabled_reason = $3, updated_at = now()
       WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL AND status = 'active'
       RETURNING *`,
      [tenantId, id, reason],
    );
    return rows[0] ? this.toSubscription(rows[0]) : null;
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

  /** Several subscriptions of a tenant, deleted ones included (history still points at them). */
  async getMany(tenantId: string, ids: readonly string[]): Promise<Subscription[]> {
    if (ids.length === 0) return [];
    const rows: SubscriptionRow[] = await this.db.query(
      'SELECT * FROM subscriptions WHERE tenant_id = $1 AND id = ANY($2::text[])',
      [tenantId, ids],
    );
    return rows.map((row) => this.toSubscription(row));
  }

  /** Every subscription that is not deleted, with only what matching needs (no secrets). */
  async listMatchable(): Promise<MatchableSubscription[]> {
    const rows: SubscriptionRow[] = await this.db.query(
      `SELECT id, tenant_id, enabled, status, event_types, filter, trigger_fields, payload_fields, updated_at
       FROM subscriptions WHERE deleted_at IS NULL`,
    );
    return rows.map((row) => ({
      id: row.id,
      tenantId: row.tenant_id,
      enabled: row.enabled,
      status: row.status,
      eventTypes: row.event_types,
      filter: row.filter,
      triggerFields: row.trigger_fields,
      payloadFields: row.payload_fields,
      updatedAt: isoRequired(row.updated_at),
    }));
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

  /**
   * Everything one delivery needs of a subscription, in one query (a deleted subscription is
   * returned with `deleted`); null when there is no such subscription. Secrets that do not open
   * leave the rest readable: `opened` is then the error.
   */
  async getDeliveryTarget(tenantId: string, id: string): Promise<DeliveryTarget | null> {
    const rows: (SubscriptionRow & {
      destination_type: Destination['type'];
      fifo: boolean;
      held: boolean;
      deleted: boolean;
    })[] = await this.db.query(
      `SELECT s.*, s.destination->>'type' AS destination_type,
              coalesce(s.destination->>'queueUrl', s.destination->>'queueName', '')
                LIKE '%.fifo' AS fifo,
              s.deleted_at IS NOT NULL AS deleted,
              EXISTS (SELECT 1 FROM delivery_holds h WHERE h.subscription_id = s.id) AS held
         FROM subscriptions s
        WHERE s.tenant_id = $1 AND s.id = $2`,
      [tenantId, id],
    );
    const row = rows[0];
    if (!row) return null;
    let opened: SubscriptionForDelivery | SecretsUnreadableError;
    try {
      opened = this.open(row);
    } catch (error) {
      if (!(error instanceof SecretsUnreadableError)) throw error;
      opened = error;
    }
    return {
      ordering: row.ordering,
      rateLimitPerSecond: row.rate_limit_per_second,
      maxInFlight: row.max_in_flight,
      destinationType: row.destination_type,
      fifo: row.fifo,
      held: row.held,
      enabled: row.enabled,
      status: row.status,
      deleted: row.deleted,
      opened,
    };
  }

  /** Decrypts the destination and the signing secrets still valid; throws SecretsUnreadableError. */
  private open(row: SubscriptionRow): SubscriptionForDelivery {
    try {
      const signingSecrets = [decryptSecret(this.key, row.signing_secret)];
      const previousValid =
        row.previous_secret_expires_at && row.previous_secret_expires_at.getTime() > Date.now();
      if (row.previous_signing_secret && previousValid) {
        signingSecrets.push(decryptSecret(this.key, row.previous_signing_secret));
      }
      return { subscription: this.toSubscription(row), signingSecrets };
    } catch (error) {
      throw new SecretsUnreadableError(row.id, error);
    }
  }

  async getSigningSecret(tenantId: string, id: string): Promise<string | null> {
    const rows: { signing_secret: string }[] = await this.db.query(
      'SELECT signing_secret FROM subscriptions WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL',
      [tenantId, id],
    );
    return rows[0] ? decryptSecret(this.key, rows[0].signing_secret) : null;
  }
}
