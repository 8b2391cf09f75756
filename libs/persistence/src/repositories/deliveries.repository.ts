import { type DataSource } from 'typeorm';
import {
  newId,
  type Attempt,
  type Delivery,
  type DeliveryOrigin,
  type DeliveryStatus,
  type FailureClass,
} from '@herald/domain';
import { iso, isoRequired } from '../rows';

interface DeliveryRow {
  id: string;
  tenant_id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  origin: DeliveryOrigin;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date | null;
  last_attempt_at: Date | null;
  created_at: Date;
  updated_at: Date;
  published_at: Date | null;
}

interface AttemptRow {
  id: string;
  delivery_id: string;
  tenant_id: string;
  subscription_id: string;
  attempt: number;
  started_at: Date;
  duration_ms: number;
  outcome: 'succeeded' | 'failed';
  status_code: number | null;
  error_class: FailureClass | null;
  error_message: string | null;
  response_excerpt: string | null;
}

const toDelivery = (row: DeliveryRow): Delivery => ({
  id: row.id,
  tenantId: row.tenant_id,
  subscriptionId: row.subscription_id,
  eventId: row.event_id,
  eventType: row.event_type,
  origin: row.origin,
  status: row.status,
  attempts: row.attempts,
  nextAttemptAt: iso(row.next_attempt_at),
  lastAttemptAt: iso(row.last_attempt_at),
  createdAt: isoRequired(row.created_at),
  updatedAt: isoRequired(row.updated_at),
});

const toAttempt = (row: AttemptRow): Attempt => ({
  id: row.id,
  deliveryId: row.delivery_id,
  tenantId: row.tenant_id,
  subscriptionId: row.subscription_id,
  attempt: row.attempt,
  startedAt: isoRequired(row.started_at),
  durationMs: row.duration_ms,
  outcome: row.outcome,
  statusCode: row.status_code,
  errorClass: row.error_class,
  errorMessage: row.error_message,
  responseExcerpt: row.response_excerpt,
});

export interface PlannedDelivery {
  delivery: Delivery;
  /** Already emitted to `herald.deliveries` by an earlier run; emitting again would duplicate it. */
  published: boolean;
}

export interface AttemptRecord {
  deliveryId: string;
  tenantId: string;
  subscriptionId: string;
  attempt: number;
  startedAt: Date;
  durationMs: number;
  outcome: 'succeeded' | 'failed';
  statusCode: number | null;
  errorClass: FailureClass | null;
  errorMessage: string | null;
  responseExcerpt: string | null;
  /** The delivery's status after this attempt, and when the next attempt is due. */
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
}

export class DeliveriesRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Records one delivery per subscription for an event; a repeat for the same event returns the
   * deliveries made the first time, so a redelivered event does not fan out twice.
   */
  async planForEvent(
    tenantId: string,
    eventId: string,
    eventType: string,
    subscriptionIds: readonly string[],
  ): Promise<PlannedDelivery[]> {
    if (subscriptionIds.length === 0) return [];
    const ids = subscriptionIds.map(() => newId('dlv'));
    await this.db.query(
      `INSERT INTO deliveries (id, tenant_id, subscription_id, event_id, event_type, origin)
       SELECT unnest($1::text[]), $2, unnest($3::text[]), $4, $5, 'event'
       ON CONFLICT (event_id, subscription_id) WHERE origin = 'event' DO NOTHING`,
      [ids, tenantId, subscriptionIds, eventId, eventType],
    );
    const rows: DeliveryRow[] = await this.db.query(
      `SELECT * FROM deliveries
       WHERE tenant_id = $1 AND event_id = $2 AND origin = 'event' AND subscription_id = ANY($3::text[])
       ORDER BY id`,
      [tenantId, eventId, subscriptionIds],
    );
    return rows.map((row) => ({ delivery: toDelivery(row), published: row.published_at !== null }));
  }

  /**
   * Records new deliveries that are not the event's first flow: a replay, a manual retry, a test.
   * They get new ids, so each is a separate entry in the history.
   */
  async createAdditional(
    tenantId: string,
    eventId: string,
    eventType: string,
    subscriptionIds: readonly string[],
    origin: Exclude<DeliveryOrigin, 'event'>,
  ): Promise<Delivery[]> {
    if (subscriptionIds.length === 0) return [];
    const rows: DeliveryRow[] = await this.db.query(
      `INSERT INTO deliveries (id, tenant_id, subscription_id, event_id, event_type, origin)
       SELECT unnest($1::text[]), $2, unnest($3::text[]), $4, $5, $6
       RETURNING *`,
      [subscriptionIds.map(() => newId('dlv')), tenantId, subscriptionIds, eventId, eventType, origin],
    );
    return rows.map(toDelivery).sort((a, b) => a.id.localeCompare(b.id));
  }

  async markPublished(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query('UPDATE deliveries SET published_at = now() WHERE id = ANY($1::text[])', [
      ids,
    ]);
  }

  async get(tenantId: string, id: string): Promise<Delivery | null> {
    const rows: DeliveryRow[] = await this.db.query(
      'SELECT * FROM deliveries WHERE tenant_id = $1 AND id = $2',
      [tenantId, id],
    );
    return rows[0] ? toDelivery(rows[0]) : null;
  }

  async listAttempts(tenantId: string, deliveryId: string): Promise<Attempt[]> {
    const rows: AttemptRow[] = await this.db.query(
      'SELECT * FROM attempts WHERE tenant_id = $1 AND delivery_id = $2 ORDER BY attempt, started_at',
      [tenantId, deliveryId],
    );
    return rows.map(toAttempt);
  }

  /** Records an attempt and moves the delivery to its new status in one transaction. */
  async recordAttempt(record: AttemptRecord): Promise<void> {
    await this.db.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO attempts (id, delivery_id, tenant_id, subscription_id, attempt, started_at, duration_ms, outcome,
           status_code, error_class, error_message, response_excerpt)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [
          newId('att'),
          record.deliveryId,
          record.tenantId,
          record.subscriptionId,
          record.attempt,
          record.startedAt,
          record.durationMs,
          record.outcome,
          record.statusCode,
          record.errorClass,
          record.errorMessage,
          record.responseExcerpt,
        ],
      );
      await manager.query(
        `UPDATE deliveries SET status = $3, attempts = GREATEST(attempts, $4), last_attempt_at = $5,
           next_attempt_at = $6, updated_at = now()
         WHERE tenant_id = $1 AND id = $2`,
        [
          record.tenantId,
          record.deliveryId,
          record.status,
          record.attempt,
          record.startedAt,
          record.nextAttemptAt,
        ],
      );
    });
  }
}
