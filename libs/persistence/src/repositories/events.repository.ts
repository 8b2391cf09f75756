import { type DataSource } from 'typeorm';
import type { EventData, HeraldEvent } from '@herald/domain';
import { isoRequired, type Page } from '../rows';

interface EventRow {
  tenant_id: string;
  id: string;
  type: string;
  occurred_at: Date;
  received_at: Date;
  subject: string | null;
  changed_fields: string[] | null;
  data: EventData;
  published_at: Date | null;
  source_record: string | null;
}

/** A time as PostgreSQL gives it back: UTC, to the millisecond. */
const iso = (time: string): string => new Date(time).toISOString();

/** An event without its data, as lists show it. */
const toEventSummary = (
  row: Omit<EventRow, 'data' | 'published_at'>,
): Omit<HeraldEvent, 'data'> => ({
  id: row.id,
  tenantId: row.tenant_id,
  type: row.type,
  occurredAt: isoRequired(row.occurred_at),
  receivedAt: isoRequired(row.received_at),
  subject: row.subject,
  changedFields: row.changed_fields,
});

const toEvent = (row: EventRow): HeraldEvent => ({ ...toEventSummary(row), data: row.data });

/** Why a stored event could not be matched (event-ingest parked its record in `herald.events.invalid`). */
export interface EventFailure {
  code: string;
  message: string;
  failedAt: string;
}

/** An event without its data, as lists show it. */
export type EventSummary = Omit<HeraldEvent, 'data'>;

export interface EventFilter {
  /** An event type, or a glob with `matchesEventType` semantics (`*` within a segment, `**` across). */
  type: string | null;
  /** Received at or after this time. */
  since: string | null;
  /** Received before this time. */
  until: string | null;
}

export interface EventPageRequest {
  /** The `nextCursor` of the previous page: where it ended, newest first. */
  after: string | null;
  limit: number;
}

type EventSummaryRow = Omit<EventRow, 'data' | 'published_at'> & { position: string };

/**
 * A list position: the received time with microseconds as Postgres keeps it, and the id that
 * breaks ties between events received in the same microsecond.
 */
const CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)\|(.+)$/;

export function isEventCursor(cursor: string): boolean {
  return CURSOR.test(cursor);
}

/**
 * A glob as a POSIX regular expression with `matchesEventType` semantics; null when it matches
 * every type. Only `.` and the other non-word characters are escaped, which is all a valid glob holds.
 */
function eventTypeRegex(glob: string): string | null {
  if (glob === '*' || glob === '**') return null;
  const source = glob
    .split(/(\*\*|\*)/)
    .map((part) =>
      part === '**' ? '.*' : part === '*' ? '[^.]*' : part.replace(/[^A-Za-z0-9_]/g, '\\$&'),
    )
    .join('');
  return `^${source}$`;
}

export interface StoredEvent {
  event: HeraldEvent;
  /** False when the event was already stored (a producer retry or a Kafka redelivery). */
  created: boolean;
  /**
   * Whether it is left be: already matched and its deliveries emitted, or to be by the record that
   * stored it. If not, it must be matched and emitted (again).
   */
  published: boolean;
}

export class EventsRepository {
  constructor(private readonly db: DataSource) {}

  /** Stores an event once per `(tenant_id, id)`; a second store returns the first. */
  async store(event: HeraldEvent): Promise<StoredEvent> {
    const inserted: EventRow[] = await this.db.query(
      `INSERT INTO events (tenant_id, id, type, occurred_at, received_at, subject, changed_fields, data)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (tenant_id, id) DO NOTHING
       RETURNING *`,
      [
        event.tenantId,
        event.id,
        event.type,
        event.occurredAt,
        event.receivedAt,
        event.subject,
        event.changedFields === null ? null : JSON.stringify(event.changedFields),
        // As text: node-postgres would write a list as a PostgreSQL array and a string unquoted.
        JSON.stringify(event.data),
      ],
    );
    if (inserted[0]) return { event: toEvent(inserted[0]), created: true, published: false };
    const existing: EventRow[] = await this.db.query(
      'SELECT * FROM events WHERE tenant_id = $1 AND id = $2',
      [event.tenantId, event.id],
    );
    return {
      event: toEvent(existing[0]),
      created: false,
      published: existing[0].published_at !== null,
    };
  }

  /**
   * `store` for many events in one INSERT (and one SELECT for those stored before), aligned with
   * `events`. `records` (aligned too) name the Kafka record each came in (`topic/partition/offset`),
   * kept with the event stored first. Of an event stored before, `published` says whether to leave it
   * be: the same record read again (a crash came between storing and emitting, or not) matches and
   * emits it again — at least once — while another record with its id is a producer's duplicate,
   * matched and emitted by the record that stored it. An event given twice in the batch is a duplicate the second time.
   */
  async storeAll(
    events: readonly HeraldEvent[],
    records: readonly (string | null)[] = [],
  ): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    // Only the keys come back: a new event is what was given (its times as PostgreSQL keeps them).
    // The rows go as one JSON document: JSON.stringify is native, where pg would escape every
    // event's data again, character by character in JavaScript, as an element of a jsonb[] array.
    const inserted: { tenant_id: string; id: string }[] = await this.db.query(
      `INSERT INTO events (tenant_id, id, type, occurred_at, received_at, subject, changed_fields, data,
                           source_record)
       SELECT tenant_id, id, type, occurred_at, received_at, subject, changed_fields, data, source_record
       FROM json_to_recordset($1::json) AS e(tenant_id text, id text, type text, occurred_at timestamptz,
         received_at timestamptz, subject text, changed_fields jsonb, data jsonb, source_record text)
       ON CONFLICT (tenant_id, id) DO NOTHING
       RETURNING tenant_id, id`,
      [
        JSON.stringify(
          events.map((event, index) => ({
            tenant_id: event.tenantId,
            id: event.id,
            type: event.type,
            occurred_at: event.occurredAt,
            received_at: event.receivedAt,
            subject: event.subject,
            changed_fields: event.changedFields,
            data: event.data,
            source_record: records[index] ?? null,
          })),
        ),
      ],
    );
    const key = (tenantId: string, id: string): string => `${tenantId}\u0000${id}`;
    const fresh = new Set(inserted.map((row) => key(row.tenant_id, row.id)));
    const missing = events.filter((event) => !fresh.has(key(event.tenantId, event.id)));
    const existing: EventRow[] =
      missing.length === 0
        ? []
        : await this.db.query(
            `SELECT e.* FROM events e
             JOIN unnest($1::text[], $2::text[]) AS k(tenant_id, id)
               ON e.tenant_id = k.tenant_id AND e.id = k.id`,
            [missing.map((event) => event.tenantId), missing.map((event) => event.id)],
          );
    const before = new Map(existing.map((row) => [key(row.tenant_id, row.id), row]));
    const seen = new Set<string>();
    const created = new Map<string, HeraldEvent>();
    return events.map((event, index) => {
      const id = key(event.tenantId, event.id);
      const first = !seen.has(id);
      seen.add(id);
      if (fresh.has(id)) {
        // A repeat within the batch is the first occurrence again, published with it.
        if (!first)
          return { event: created.get(id) as HeraldEvent, created: false, published: true };
        const stored = {
          ...event,
          occurredAt: iso(event.occurredAt),
          receivedAt: iso(event.receivedAt),
        };
        created.set(id, stored);
        return { event: stored, created: true, published: false };
      }
      const row = before.get(id) as EventRow;
      return {
        event: toEvent(row),
        created: false,
        published: !first || leftBe(row, records[index] ?? null),
      };
    });
  }

  /**
   * Marks an event stored without a record (the API's test sends) as matched and emitted, so that no
   * record bringing its id fans it out. Events stored from a record need no mark: see `storeAll`.
   */
  async markPublished(tenantId: string, id: string): Promise<void> {
    await this.db.query('UPDATE events SET published_at = now() WHERE tenant_id = $1 AND id = $2', [
      tenantId,
      id,
    ]);
  }

  /**
   * Records why the event could not be matched, and dead-letters the deliveries planned for it that
   * were never sent (the event's own flow stopped there); a redrive sends them from the stored event.
   * Given `record` (`topic/partition/offset`), only an event that record stored is marked: another
   * record with the same event id is a duplicate, and the event's flow is the first record's.
   */
  async markFailed(
    tenantId: string,
    id: string,
    code: string,
    message: string,
    record: string | null = null,
  ): Promise<void> {
    await this.db.transaction(async (manager) => {
      // A SELECT around it: TypeORM answers a bare UPDATE … RETURNING with [rows, count].
      const marked: unknown[] = await manager.query(
        `WITH marked AS (
           UPDATE events SET failure = jsonb_build_object('code', $3::text, 'message', $4::text,
             'failed_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
           WHERE tenant_id = $1 AND id = $2
             AND ($5::text IS NULL OR source_record = $5
                  OR (source_record IS NULL AND published_at IS NULL))
           RETURNING id)
         SELECT id FROM marked`,
        [tenantId, id, code, message, record],
      );
      if (marked.length === 0) return;
      await manager.query(
        `UPDATE deliveries SET status = 'dead', next_attempt_at = NULL, updated_at = now()
         WHERE tenant_id = $1 AND event_id = $2 AND origin = 'event'
           AND published_at IS NULL AND status = 'pending'`,
        [tenantId, id],
      );
    });
  }

  async failureOf(tenantId: string, id: string): Promise<EventFailure | null> {
    const rows: { failure: { code: string; message: string; failed_at: string } | null }[] =
      await this.db.query('SELECT failure FROM events WHERE tenant_id = $1 AND id = $2', [
        tenantId,
        id,
      ]);
    const failure = rows[0]?.failure;
    return failure
      ? { code: failure.code, message: failure.message, failedAt: failure.failed_at }
      : null;
  }

  async get(tenantId: string, id: string): Promise<HeraldEvent | null> {
    const rows: EventRow[] = await this.db.query(
      'SELECT * FROM events WHERE tenant_id = $1 AND id = $2',
      [tenantId, id],
    );
    return rows[0] ? toEvent(rows[0]) : null;
  }

  /**
   * A tenant's events, newest received first, without their data. Exact types use the
   * `(tenant_id, type, received_at)` index; globs are matched as regular expressions.
   */
  async list(
    tenantId: string,
    filter: EventFilter,
    page: EventPageRequest,
  ): Promise<Page<EventSummary>> {
    const glob = filter.type !== null && filter.type.includes('*');
    const cursor = page.after === null ? null : CURSOR.exec(page.after);
    if (page.after !== null && !cursor) throw new Error(`not an event cursor: ${page.after}`);
    const rows: EventSummaryRow[] = await this.db.query(
      `SELECT tenant_id, id, type, occurred_at, received_at, subject, changed_fields,
         to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position
       FROM events
       WHERE tenant_id = $1
         AND ($2::text IS NULL OR type = $2)
         AND ($3::text IS NULL OR type ~ $3)
         AND ($4::timestamptz IS NULL OR received_at >= $4)
         AND ($5::timestamptz IS NULL OR received_at < $5)
         AND ($6::timestamptz IS NULL OR (received_at, id) < ($6, $7::text))
       ORDER BY received_at DESC, id DESC
       LIMIT $8`,
      [
        tenantId,
        filter.type !== null && !glob ? filter.type : null,
        filter.type !== null && glob ? eventTypeRegex(filter.type) : null,
        filter.since,
        filter.until,
        cursor ? cursor[1] : null,
        cursor ? cursor[2] : null,
        page.limit + 1,
      ],
    );
    const data = rows.slice(0, page.limit);
    const last = data[data.length - 1];
    return {
      data: data.map(toEventSummary),
      nextCursor: rows.length > page.limit ? `${last.position}|${last.id}` : null,
    };
  }
}

/**
 * Whether an event stored before is left be when it comes again in `record`: emitted by the record
 * that stored it, unless this is that record read again. Events stored without a record (by the API,
 * or before records were kept) say so with their `published_at`.
 */
function leftBe(row: EventRow, record: string | null): boolean {
  if (row.source_record === null) return row.published_at !== null;
  return row.source_record !== record;
}
