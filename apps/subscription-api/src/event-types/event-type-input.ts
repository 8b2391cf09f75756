import Ajv from 'ajv';
import { isJsonObject, isValidEventTypeGlob, type JsonObject } from '@herald/domain';
import type { EventTypeChanges, EventTypePageRequest, NewEventType } from '@herald/persistence';
import { assertValid, BodyReader } from '../common/body-reader';
import { pageRequest } from '../common/pagination';
import { ApiError } from '../errors/api-error';

const NAME_HINT = 'must be dot-separated words of letters, digits, _ - /, e.g. meter_data.received';
const FIELD_LIST = { max: 500 };
const EVENT_TYPE_FIELDS = [
  'name',
  'description',
  'schema',
  'trigger_fields',
  'payload_fields',
  'transformation',
  'examples',
];

/** An event type name is an event type glob without wildcards: exactly what ingest accepts as `type`. */
export function isEventTypeName(name: string): boolean {
  return !name.includes('*') && isValidEventTypeGlob(name);
}

/** A JSON Schema for events' `data`; one that does not compile is refused now rather than at ingest. */
function readSchema(reader: BodyReader): JsonObject | null | undefined {
  const schema = reader.object('schema');
  if (schema) {
    try {
      // A fresh instance per schema: tenants' schemas may reuse the same `$id`.
      new Ajv({ strict: false }).compile(schema);
    } catch (error) {
      reader.problem('schema', `is not a valid JSON Schema: ${(error as Error).message}`);
    }
  }
  return schema;
}

export function readNewEventType(body: unknown): NewEventType {
  const reader = new BodyReader(body);
  const known = reader.problems.length;
  const name = reader.string('name', { required: true, max: 200 });
  // An empty name is a name like any other here: it must be one too.
  if (reader.problems.length === known && !isEventTypeName(name)) reader.problem('name', NAME_HINT);
  const eventType: NewEventType = {
    name,
    description: reader.string('description', { max: 1000 }) ?? '',
    schema: readSchema(reader) ?? null,
    triggerFields: reader.stringList('trigger_fields', FIELD_LIST) ?? null,
    payloadFields: reader.stringList('payload_fields', FIELD_LIST) ?? null,
    transformation: reader.transformation('transformation') ?? null,
    examples: reader.list('examples') ?? [],
  };
  reader.onlyKnown(EVENT_TYPE_FIELDS);
  assertValid(reader);
  return eventType;
}

/**
 * A PATCH body: only the fields given change; `null` clears schema, the field lists, the
 * transformation or the examples.
 */
export function readEventTypeChanges(body: unknown): EventTypeChanges {
  const reader = new BodyReader(body);
  if (isJsonObject(body) && body.description === null)
    reader.problem('description', 'must be a string');
  const examples = reader.list('examples');
  const changes: EventTypeChanges = {
    description: reader.string('description', { max: 1000 }),
    schema: readSchema(reader),
    triggerFields: reader.stringList('trigger_fields', FIELD_LIST),
    payloadFields: reader.stringList('payload_fields', FIELD_LIST),
    transformation: reader.transformation('transformation'),
    examples: examples === null ? [] : examples,
  };
  reader.onlyKnown(EVENT_TYPE_FIELDS.filter((field) => field !== 'name'));
  assertValid(reader);
  return changes;
}

export interface EventTypeListQuery {
  limit?: string;
  cursor?: string;
  include_archived?: string;
}

/** Pages of the catalog go by name, so the cursor carries the last name of the previous page. */
export function eventTypePageRequest(query: EventTypeListQuery): EventTypePageRequest {
  const { limit } = pageRequest({ limit: query.limit });
  let after: string | null = null;
  if (query.cursor !== undefined) {
    after = Buffer.from(query.cursor, 'base64url').toString('utf8');
    if (!isEventTypeName(after)) {
      throw new ApiError('validation_failed', 'cursor is not a cursor this API returned', [
        { field: 'cursor', message: 'is not a cursor this API returned' },
      ]);
    }
  }
  const includeArchived = query.include_archived ?? 'false';
  if (includeArchived !== 'true' && includeArchived !== 'false') {
    throw new ApiError('validation_failed', 'include_archived must be true or false', [
      { field: 'include_archived', message: 'must be true or false' },
    ]);
  }
  return { after, limit, includeArchived: includeArchived === 'true' };
}
