import { type DataSource } from 'typeorm';
import {
  newId,
  type Attempt,
  type Delivery,
  type DeliveryOrigin,
  type DeliveryStatus,
  type FailureClass,
} from '@herald/domain';
import { iso, isoRequired, toPage, type Page, type PageRequest } from '../rows';
import { deliveryUpdatesOf, storableText } from './attempt-batch';

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
  redriven_at: Date | null;
  message_id: string | null;
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
  request_body: string | null;
}

const toDelivery = (row: DeliveryRow): Delivery => ({
  id: row.id,
  messageId: row.message_id ?? row.id,
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
  requestBody: row.request_body,
});

export interface PlannedDelivery {
  delivery: Delivery;
  /**
   * Known to have gone out already (marked published, or attempted since); emitting it again would
   * duplicate it. `planForEvents` does not need the mark: see there.
   */
  published: boolean;
}

/** What matching needs of a delivery it plans: who it is for, and the `webhook-id` it carries. */
export type PlannedRef = Pick<Delivery, 'id' | 'messageId' | 'tenantId' | 'subscriptionId'>;

/** An attempt as the deliverer records it (its id is given when written), with its delivery's new state. */
export type AttemptRecord = Omit<Attempt, 'id' | 'startedAt' | 'requestBody'> & {
  startedAt: Date;
  /** The request body, kept only for subscriptions with `debug` on. */
  requestBody?: Attempt['requestBody'];
  /** The delivery's status after this attempt, and when the next attempt is due. */
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
};

/** Which deliveries a history view, a redrive or a recover selects; every field given narrows it. */
export interface DeliveryFilter {
  subscriptionId?: string;
  eventId?: string;
  statuses?: readonly DeliveryStatus[];
  /** Created at or after. */
  since?: Date;
  /** Created before. */
  until?: Date;
  /**
   * A case-insensitive substring of the delivery id, the event id, the event type, or the error
   * message or response excerpt of the delivery's last attempt.
   */
  text?: string;
  /** `false`: only deliveries not sent again yet; `true`: only those already sent again. */
  redriven?: boolean;
}

/** A delivery with when it was last sent again as a new delivery (a retry, redrive or recover). */
export interface DeliveryRecord extends Delivery {
  redrivenAt: string | null;
}

const toRecord = (row: DeliveryRow): DeliveryRecord => ({
  ...toDelivery(row),
  redrivenAt: iso(row.redriven_at),
});

/** Escapes LIKE wildcards so user text matches literally (backslash is the default LIKE escape). */
/** Statuses the `attention` column repeats (migration DeliveryHotUpdates1764000018000). */
const ATTENTION_STATUSES: ReadonlySet<DeliveryStatus> = new Set(['retrying', 'failed', 'dead']);

const containing = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** A parameterised WHERE over `deliveries d`, scoped by tenant first. */
function whereOf(tenantId: string, filter: DeliveryFilter): { sql: string; params: unknown[] } {
  const params: unknown[] = [tenantId];
  const conditions = ['d.tenant_id = $1'];
  const add = (condition: (placeholder: string) => string, value: unknown): void => {
    params.push(value);
    conditions.push(condition(`$${params.length}`));
  };
  if (filter.subscriptionId !== undefined)
    add((p) => `d.subscription_id = ${p}`, filter.subscriptionId);
  if (filter.eventId !== undefined) add((p) => `d.event_id = ${p}`, filter.eventId);
  if (filter.statuses !== undefined) {
    // The failing statuses are also `attention`, which has an index (`status` has none: a delivery's
    // attempt updates its row in place); the same rows either way.
    const failing = filter.statuses.every((status) => ATTENTION_STATUSES.has(status));
    add((p) => `d.${failing ? 'attention' : 'status'} = ANY(${p}::text[])`, filter.statuses);
  }
  if (filter.since !== undefined) add((p) => `d.created_at >= ${p}`, filter.since);
  if (filter.until !== undefined) add((p) => `d.created_at < ${p}`, filter.until);
  if (filter.redriven !== undefined) {
    conditions.push(filter.redriven ? 'd.redriven_at IS NOT NULL' : 'd.redriven_at IS NULL');
  }
  if (filter.text !== undefined) {
    // The last attempt is one index probe per candidate row (attempts_delivery_idx).
    add(
      (p) => `(d.id ILIKE ${p} OR d.event_id ILIKE ${p} OR d.event_type ILIKE ${p} OR EXISTS (
        SELECT 1 FROM (SELECT a.error_message, a.response_excerpt FROM attempts a
                        WHERE a.delivery_id = d.id AND a.tenant_id = d.tenant_id
                        ORDER BY a.attempt DESC LIMIT 1) last
         WHERE last.error_message ILIKE ${p} OR last.response_excerpt ILIKE ${p}))`,
      containing(filter.text),
    );
  }
  return { sql: conditions.join(' AND '), params };
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
   * `planForEvent` for many events in one statement (two when some were planned before): the
   * deliveries of each event's first flow to the subscriptions it matched, created once (a repeat
   * finds those made before). Planned deliveries by event id, in subscription id order.
   *
   * Matching does not mark what it emits (an UPDATE of every new row): a delivery found here again
   * — its batch handled a second time, after a crash or a rebalance — counts as gone out once its
   * deliverer attempted it, and one still pending is emitted again, with the same id (so the same
   * `webhook-id`): at least once, as after any crash.
   */
  async planForEvents(
    events: readonly {
      tenantId: string;
      eventId: string;
      eventType: string;
      subscriptionIds: readonly string[];
    }[],
  ): Promise<Map<string, { delivery: PlannedRef; published: boolean }[]>> {
    const rows = events.flatMap((event) =>
      event.subscriptionIds.map((subscriptionId) => ({ ...event, subscriptionId })),
    );
    const planned = new Map<string, { delivery: PlannedRef; published: boolean }[]>(
      events.map((e) => [e.eventId, []]),
    );
    if (rows.length === 0) return planned;
    // Only what matching uses comes back: no timestamps to parse for every new row.
    const inserted: PlannedRow[] = await this.db.query(
      `INSERT INTO deliveries (id, tenant_id, subscription_id, event_id, event_type, origin)
       SELECT id, tenant_id, subscription_id, event_id, event_type, 'event'
       FROM json_to_recordset($1::json)
         AS p(id text, tenant_id text, subscription_id text, event_id text, event_type text)
       ON CONFLICT (event_id, subscription_id) WHERE origin = 'event' DO NOTHING
       RETURNING ${PLANNED_COLUMNS}`,
      [
        JSON.stringify(
          rows.map((row) => ({
            id: newId('dlv'),
            tenant_id: row.tenantId,
            subscription_id: row.subscriptionId,
            event_id: row.eventId,
            event_type: row.eventType,
          })),
        ),
      ],
    );
    // Planned before (the batch is handled again): those rows are read, with whether they went out.
    const key = (eventId: string, subscriptionId: string): string =>
      `${eventId}\u0000${subscriptionId}`;
    const fresh = new Set(inserted.map((row) => key(row.event_id, row.subscription_id)));
    const missing = rows.filter((row) => !fresh.has(key(row.eventId, row.subscriptionId)));
    const before: PlannedRow[] =
      missing.length === 0
        ? []
        : await this.db.query(
            `SELECT ${PLANNED_COLUMNS.replace(/(\w+)/g, 'd.$1')} FROM deliveries d
             JOIN unnest($1::text[], $2::text[], $3::text[]) AS p(tenant_id, event_id, subscription_id)
               ON d.tenant_id = p.tenant_id AND d.event_id = p.event_id
              AND d.subscription_id = p.subscription_id
             WHERE d.origin = 'event'`,
            [
              missing.map((row) => row.tenantId),
              missing.map((row) => row.eventId),
              missing.map((row) => row.subscriptionId),
            ],
          );
    const found = [...inserted, ...before].sort((a, b) => a.id.localeCompare(b.id));
    for (const row of found) {
      planned.get(row.event_id)?.push({
        delivery: {
          id: row.id,
          messageId: row.message_id ?? row.id,
          tenantId: row.tenant_id,
          subscriptionId: row.subscription_id,
        },
        published: wentOut(row),
      });
    }
    return planned;
  }

  /**
   * Records new deliveries that are not the event's first flow: a replay, a manual retry, a test.
   * They get new ids, so each is a separate entry in the history; `messageIds` (aligned with
   * `subscriptionIds`) keeps the `webhook-id` of the deliveries they resend.
   */
  async createAdditional(
    tenantId: string,
    eventId: string,
    eventType: string,
    subscriptionIds: readonly string[],
    origin: Exclude<DeliveryOrigin, 'event'>,
    messageIds?: readonly (string | null)[],
  ): Promise<Delivery[]> {
    if (subscriptionIds.length === 0) return [];
    const rows: DeliveryRow[] = await this.db.query(
      `INSERT INTO deliveries (id, tenant_id, subscription_id, event_id, event_type, origin, message_id)
       SELECT unnest($1::text[]), $2, unnest($3::text[]), $4, $5, $6, unnest($7::text[])
       RETURNING *`,
      [
        subscriptionIds.map(() => newId('dlv')),
        tenantId,
        subscriptionIds,
        eventId,
        eventType,
        origin,
        subscriptionIds.map((_, index) => messageIds?.[index] ?? null),
      ],
    );
    return rows.map(toDelivery).sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Every delivery of one event, oldest first. */
  async listForEvent(tenantId: string, eventId: string): Promise<Delivery[]> {
    const rows: DeliveryRow[] = await this.db.query(
      'SELECT * FROM deliveries WHERE tenant_id = $1 AND event_id = $2 ORDER BY id',
      [tenantId, eventId],
    );
    return rows.map(toDelivery);
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
    await this.recordAttempts([record]);
  }

  /**
   * Records a batch of attempts and moves their deliveries to their new statuses in one statement
   * (so one round trip and its own transaction): one INSERT of every attempt and one UPDATE of every
   * delivery touched, whatever the batch size. The effect is that of recording them one by one in
   * the order given.
   */
  async recordAttempts(records: readonly AttemptRecord[]): Promise<void> {
    if (records.length === 0) return;
    // Rows locked in one order, so two batches that share deliveries wait rather than deadlock.
    const updates = deliveryUpdatesOf(records).sort((a, b) =>
      a.deliveryId.localeCompare(b.deliveryId),
    );
    // `d.id = ANY(…)` gives the planner the rows by the primary key: joined on the unnest alone, it
    // estimates a handful of matches and, on a young table, hashes a sequential scan of all of it.
    // Rows go as one JSON document per table (JSON.stringify is native; pg encodes array parameters
    // element by element in JavaScript, which was most of what a batch allocated).
    await this.db.query(
      `WITH recorded AS (
         INSERT INTO attempts (id, delivery_id, tenant_id, subscription_id, attempt, started_at, duration_ms,
           outcome, status_code, error_class, error_message, response_excerpt, request_body)
         SELECT id, delivery_id, tenant_id, subscription_id, attempt, started_at, duration_ms,
           outcome, status_code, error_class, error_message, response_excerpt, request_body
         FROM json_to_recordset($1::json) AS a(id text, delivery_id text, tenant_id text,
           subscription_id text, attempt int, started_at timestamptz, duration_ms int, outcome text,
           status_code int, error_class text, error_message text, response_excerpt text, request_body text)
       )
       UPDATE deliveries d SET status = v.status, attempts = GREATEST(d.attempts, v.attempts),
         last_attempt_at = v.last_attempt_at, next_attempt_at = v.next_attempt_at, updated_at = now()
       FROM json_to_recordset($2::json) AS v(tenant_id text, id text, status text, attempts int,
         last_attempt_at timestamptz, next_attempt_at timestamptz)
       WHERE d.id = ANY($3::text[]) AND d.tenant_id = v.tenant_id AND d.id = v.id`,
      [
        JSON.stringify(
          records.map((r) => ({
            id: newId('att'),
            delivery_id: r.deliveryId,
            tenant_id: r.tenantId,
            subscription_id: r.subscriptionId,
            attempt: r.attempt,
            started_at: r.startedAt,
            duration_ms: r.durationMs,
            outcome: r.outcome,
            status_code: r.statusCode,
            error_class: r.errorClass,
            error_message: storableText(r.errorMessage),
            response_excerpt: storableText(r.responseExcerpt),
            request_body: storableText(r.requestBody ?? null),
          })),
        ),
        JSON.stringify(
          updates.map((u) => ({
            tenant_id: u.tenantId,
            id: u.deliveryId,
            status: u.status,
            attempts: u.attempts,
            last_attempt_at: u.lastAttemptAt,
            next_attempt_at: u.nextAttemptAt,
          })),
        ),
        updates.map((u) => u.deliveryId),
      ],
    );
  }

  /** A page of deliveries, newest first; the cursor is the last id of the previous page. */
  async search(
    tenantId: string,
    filter: DeliveryFilter,
    page: PageRequest,
  ): Promise<Page<Delivery>> {
    const rows = await this.selectNewestFirst(tenantId, filter, page);
    return toPage(rows.map(toDelivery), page.limit);
  }

  /** Dead deliveries not yet redriven, across every tenant (an operator's metric, no tenant in it). */
  async countPendingDeadLetters(): Promise<number> {
    const rows: { pending: string }[] = await this.db.query(
      `SELECT count(*) AS pending FROM deliveries WHERE attention = 'dead' AND redriven_at IS NULL`,
    );
    return Number(rows[0]?.pending ?? 0);
  }

  /** A page of dead deliveries, newest first. */
  async listDeadLetters(
    tenantId: string,
    filter: Omit<DeliveryFilter, 'statuses'>,
    page: PageRequest,
  ): Promise<Page<DeliveryRecord>> {
    const rows = await this.selectNewestFirst(tenantId, { ...filter, statuses: ['dead'] }, page);
    return toPage(rows.map(toRecord), page.limit);
  }

  private async selectNewestFirst(
    tenantId: string,
    filter: DeliveryFilter,
    page: PageRequest,
  ): Promise<DeliveryRow[]> {
    const { sql, params } = whereOf(tenantId, filter);
    const after = page.after === null ? '' : ` AND d.id < $${params.length + 2}`;
    return this.db.query(
      `SELECT d.* FROM deliveries d WHERE ${sql}${after} ORDER BY d.id DESC LIMIT $${params.length + 1}`,
      page.after === null ? [...params, page.limit + 1] : [...params, page.limit + 1, page.after],
    );
  }

  /** The deliveries with these ids that belong to the tenant, oldest first. */
  async getMany(tenantId: string, ids: readonly string[]): Promise<DeliveryRecord[]> {
    if (ids.length === 0) return [];
    const rows: DeliveryRow[] = await this.db.query(
      'SELECT * FROM deliveries WHERE tenant_id = $1 AND id = ANY($2::text[]) ORDER BY id',
      [tenantId, ids],
    );
    return rows.map(toRecord);
  }

  /** The attempts of several deliveries at once, each list in attempt order. */
  async listAttemptsOf(
    tenantId: string,
    deliveryIds: readonly string[],
  ): Promise<Map<string, Attempt[]>> {
    const byDelivery = new Map<string, Attempt[]>(deliveryIds.map((id) => [id, []]));
    if (deliveryIds.length === 0) return byDelivery;
    const rows: AttemptRow[] = await this.db.query(
      `SELECT * FROM attempts WHERE tenant_id = $1 AND delivery_id = ANY($2::text[])
       ORDER BY delivery_id, attempt, started_at`,
      [tenantId, deliveryIds],
    );
    for (const row of rows) byDelivery.get(row.delivery_id)?.push(toAttempt(row));
    return byDelivery;
  }

  /**
   * Marks failed or dead deliveries that have not been sent again yet as sent again and returns them,
   * oldest first, at most `limit` of them; deliveries of deleted subscriptions are left alone. One
   * statement, skipping rows another redrive holds, so two concurrent redrives never take the same one.
   */
  async claimForRedrive(
    tenantId: string,
    filter: Pick<DeliveryFilter, 'subscriptionId' | 'since' | 'until'> & {
      statuses: readonly ('failed' | 'dead')[];
    },
    limit: number | null,
  ): Promise<Delivery[]> {
    const { sql, params } = whereOf(tenantId, { ...filter, redriven: false });
    // TypeORM answers an UPDATE with [rows, affected].
    const [rows]: [DeliveryRow[], number] = await this.db.query(
      `UPDATE deliveries SET redriven_at = now(), updated_at = now()
        WHERE id IN (
          SELECT d.id FROM deliveries d
           WHERE ${sql}
             AND EXISTS (SELECT 1 FROM subscriptions s
                          WHERE s.id = d.subscription_id AND s.tenant_id = d.tenant_id AND s.deleted_at IS NULL)
           ORDER BY d.id LIMIT $${params.length + 1}
           FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [...params, limit],
    );
    return rows.map(toDelivery).sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Records that these failed or dead deliveries were sent again (a retry or a redrive by id). */
  async markRedriven(tenantId: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      `UPDATE deliveries SET redriven_at = now(), updated_at = now()
        WHERE tenant_id = $1 AND id = ANY($2::text[]) AND status IN ('failed', 'dead')`,
      [tenantId, ids],
    );
  }

  /** Undoes a claim whose deliveries could not be sent again, so a later redrive picks them up. */
  async releaseRedrive(tenantId: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      'UPDATE deliveries SET redriven_at = NULL WHERE tenant_id = $1 AND id = ANY($2::text[])',
      [tenantId, ids],
    );
  }
}

const PLANNED_COLUMNS =
  'id, tenant_id, subscription_id, event_id, message_id, status, published_at';
type PlannedRow = Pick<
  DeliveryRow,
  'id' | 'tenant_id' | 'subscription_id' | 'event_id' | 'message_id' | 'status' | 'published_at'
>;

/** A delivery marked published, or attempted since it was planned. */
function wentOut(row: PlannedRow): boolean {
  return row.published_at !== null || row.status !== 'pending';
}
