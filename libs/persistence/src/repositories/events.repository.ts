import { type DataSource } from 'typeorm';
import type { HeraldEvent, JsonObject } from '@herald/domain';
import { isoRequired } from '../rows';

interface EventRow {
  tenant_id: string;
  id: string;
  type: string;
  occurred_at: Date;
  received_at: Date;
  subject: string | null;
  changed_fields: string[] | null;
  data: JsonObject;
  published_at: Date | null;
}

const toEvent = (row: EventRow): HeraldEvent => ({
  id: row.id,
  tenantId: row.tenant_id,
  type: row.type,
  occurredAt: isoRequired(row.occurred_at),
  receivedAt: isoRequired(row.received_at),
  subject: row.subject,
  changedFields: row.changed_fields,
  data: row.data,
});

export interface StoredEvent {
  event: HeraldEvent;
  /** False when the event was already stored (a producer retry or a Kafka redelivery). */
  created: boolean;
  /** Whether it already reached `herald.events.accepted`; if not, it must be emitted (again). */
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
        event.data,
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

  async markPublished(tenantId: string, id: string): Promise<void> {
    await this.db.query('UPDATE events SET published_at = now() WHERE tenant_id = $1 AND id = $2', [
      tenantId,
      id,
    ]);
  }

  async get(tenantId: string, id: string): Promise<HeraldEvent | null> {
    const rows: EventRow[] = await this.db.query(
      'SELECT * FROM events WHERE tenant_id = $1 AND id = $2',
      [tenantId, id],
    );
    return rows[0] ? toEvent(rows[0]) : null;
  }
}
