import type { DataSource, EntityManager } from 'typeorm';
import type { JsonObject, JsonValue } from '@herald/domain';
import { iso, isoRequired, type Page } from '../rows';

/** An entry of a tenant's event type catalog. */
export interface EventType {
  tenantId: string;
  name: string;
  description: string;
  /** A JSON Schema for the event's `data`, or null when the type has none. */
  schema: JsonObject | null;
  triggerFields: string[] | null;
  payloadFields: string[] | null;
  /** The JSONata transformation of the body for subscriptions of this type that have none. */
  transformation: string | null;
  /** Sample `data` of events of the type; a test send without data sends the first. */
  examples: JsonValue[];
  archivedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewEventType {
  name: string;
  description: string;
  schema: JsonObject | null;
  triggerFields: string[] | null;
  payloadFields: string[] | null;
  /** Left out or null: none. */
  transformation?: string | null;
  examples: JsonValue[];
}

/** The fields a PATCH may change; absent fields keep their value. */
export type EventTypeChanges = Partial<Omit<NewEventType, 'name'>>;

export interface EventTypePageRequest {
  /** The last name of the previous page. */
  after: string | null;
  limit: number;
  includeArchived: boolean;
}

interface EventTypeRow {
  tenant_id: string;
  name: string;
  description: string;
  schema: JsonObject | null;
  trigger_fields: string[] | null;
  payload_fields: string[] | null;
  transformation: string | null;
  examples: JsonValue[];
  archived_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const toEventType = (row: EventTypeRow): EventType => ({
  tenantId: row.tenant_id,
  name: row.name,
  description: row.description,
  schema: row.schema,
  triggerFields: row.trigger_fields,
  payloadFields: row.payload_fields,
  transformation: row.transformation,
  examples: row.examples,
  archivedAt: iso(row.archived_at),
  createdAt: isoRequired(row.created_at),
  updatedAt: isoRequired(row.updated_at),
});

/** jsonb parameters go in as JSON text: node-postgres would turn a JS array into a Postgres array. */
const json = (value: unknown): string | null => (value === null ? null : JSON.stringify(value));

/** TypeORM answers UPDATE … RETURNING with `[rows, affected]`. */
async function updated(
  db: Pick<EntityManager, 'query'>,
  sql: string,
  values: unknown[],
): Promise<EventType | null> {
  const [rows] = await db.query<[EventTypeRow[], number]>(sql, values);
  return rows[0] ? toEventType(rows[0]) : null;
}

const CHANGE_COLUMNS: Record<keyof EventTypeChanges, string> = {
  description: 'description',
  schema: 'schema',
  triggerFields: 'trigger_fields',
  payloadFields: 'payload_fields',
  transformation: 'transformation',
  examples: 'examples',
};

export class EventTypesRepository {
  constructor(private readonly db: DataSource) {}

  /** Adds a type to the tenant's catalog; null when the tenant already has one of that name. */
  async create(tenantId: string, input: NewEventType): Promise<EventType | null> {
    const rows: EventTypeRow[] = await this.db.query(
      `INSERT INTO event_types (tenant_id, name, description, schema, trigger_fields, payload_fields,
         transformation, examples)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (tenant_id, name) DO NOTHING
       RETURNING *`,
      [
        tenantId,
        input.name,
        input.description,
        json(input.schema),
        json(input.triggerFields),
        json(input.payloadFields),
        input.transformation ?? null,
        json(input.examples),
      ],
    );
    return rows[0] ? toEventType(rows[0]) : null;
  }

  /** Registers a type seen on an event, keeping whatever the tenant already has under that name. */
  async registerSeen(tenantId: string, name: string): Promise<void> {
    await this.db.query(
      `INSERT INTO event_types (tenant_id, name) VALUES ($1, $2)
       ON CONFLICT (tenant_id, name) DO NOTHING`,
      [tenantId, name],
    );
  }

  async get(tenantId: string, name: string): Promise<EventType | null> {
    const rows: EventTypeRow[] = await this.db.query(
      'SELECT * FROM event_types WHERE tenant_id = $1 AND name = $2',
      [tenantId, name],
    );
    return rows[0] ? toEventType(rows[0]) : null;
  }

  /** A page of the catalog in name order; archived types only when asked for. */
  async list(tenantId: string, page: EventTypePageRequest): Promise<Page<EventType>> {
    const rows: EventTypeRow[] = await this.db.query(
      `SELECT * FROM event_types
       WHERE tenant_id = $1 AND ($2::text IS NULL OR name > $2) AND ($3::boolean OR archived_at IS NULL)
       ORDER BY name LIMIT $4`,
      [tenantId, page.after, page.includeArchived, page.limit + 1],
    );
    const data = rows.slice(0, page.limit).map(toEventType);
    return {
      data,
      nextCursor: rows.length > page.limit ? data[data.length - 1].name : null,
    };
  }

  /**
   * Applies the given changes; null when the tenant has no type of that name. With `check`, the row
   * is locked and `check` sees the type as the changes would leave it, and may throw to refuse them:
   * a rule across fields (examples that match the schema) then holds against concurrent changes.
   */
  async update(
    tenantId: string,
    name: string,
    changes: EventTypeChanges,
    check?: (next: EventType) => void,
  ): Promise<EventType | null> {
    if (!check) return this.apply(this.db.manager, tenantId, name, changes);
    return this.db.transaction(async (manager) => {
      const rows: EventTypeRow[] = await manager.query(
        'SELECT * FROM event_types WHERE tenant_id = $1 AND name = $2 FOR UPDATE',
        [tenantId, name],
      );
      if (!rows[0]) return null;
      const defined = Object.entries(changes).filter(([, value]) => value !== undefined);
      check({ ...toEventType(rows[0]), ...Object.fromEntries(defined) });
      return this.apply(manager, tenantId, name, changes);
    });
  }

  private apply(
    db: Pick<EntityManager, 'query'>,
    tenantId: string,
    name: string,
    changes: EventTypeChanges,
  ): Promise<EventType | null> {
    const values: unknown[] = [tenantId, name];
    const assignments = (Object.keys(CHANGE_COLUMNS) as (keyof EventTypeChanges)[])
      .filter((field) => changes[field] !== undefined)
      .map((field) => {
        const value = changes[field];
        values.push(field === 'description' || field === 'transformation' ? value : json(value));
        return `${CHANGE_COLUMNS[field]} = $${values.length}`;
      });
    return updated(
      db,
      `UPDATE event_types SET ${[...assignments, 'updated_at = now()'].join(', ')}
       WHERE tenant_id = $1 AND name = $2
       RETURNING *`,
      values,
    );
  }

  /** Archives a type (hides it from the catalog); archiving an archived type keeps its first time. */
  async archive(tenantId: string, name: string): Promise<EventType | null> {
    return updated(
      this.db,
      `UPDATE event_types SET archived_at = COALESCE(archived_at, now()), updated_at = now()
       WHERE tenant_id = $1 AND name = $2
       RETURNING *`,
      [tenantId, name],
    );
  }

  /** The first example of a type, or undefined when the tenant has no such type or it has none. */
  async firstExample(tenantId: string, name: string): Promise<JsonValue | undefined> {
    const rows: { example: JsonValue }[] = await this.db.query(
      `SELECT examples -> 0 AS example FROM event_types
       WHERE tenant_id = $1 AND name = $2 AND jsonb_array_length(examples) > 0`,
      [tenantId, name],
    );
    return rows[0]?.example;
  }

  /** The names, in order, of the tenant's types (not archived) that have an example. */
  async namesWithExamples(tenantId: string): Promise<string[]> {
    const rows: { name: string }[] = await this.db.query(
      `SELECT name FROM event_types
       WHERE tenant_id = $1 AND archived_at IS NULL AND jsonb_array_length(examples) > 0
       ORDER BY name`,
      [tenantId],
    );
    return rows.map((row) => row.name);
  }

  async unarchive(tenantId: string, name: string): Promise<EventType | null> {
    return updated(
      this.db,
      `UPDATE event_types SET archived_at = NULL, updated_at = now()
       WHERE tenant_id = $1 AND name = $2
       RETURNING *`,
      [tenantId, name],
    );
  }
}
