import { Type, type Static } from '@sinclair/typebox';
import type { JsonValue } from '@herald/domain';
import { EVENT_TYPE_PATTERN } from '../common/openapi-builder';
import { dateTime, nullableObject, transformationSchema } from '../common/field-schemas';
import { Nullable, PROBLEM } from '../common/request-schema';
import { pageQuery, queryFlag } from '../common/query-schema';

/** The shape of an event type on the wire: what the catalog answers, takes and changes. */

const fieldList = (description: string) =>
  Nullable(
    Type.Array(Type.String(), {
      maxItems: 500,
      [PROBLEM]: 'must be an array of strings',
      description,
    }),
  );

/** Null only clears them in a request: an answer always has the list. */
const examples = Type.Array(
  Type.Unsafe<JsonValue>({
    type: ['object', 'array', 'string', 'number', 'boolean'],
    // What the examples' check (exampleProblems) said of a null before the schema did.
    [PROBLEM]:
      'is not what an event may carry: data is required: null is not a payload (send {} or [] ' +
      'for an event without one)',
  }),
  {
    maxItems: 10,
    description:
      'Sample `data` of events of this type, each valid as an event’s `data` and against `schema` ' +
      'when there is one; together at most HERALD_MAX_EVENT_BYTES of JSON. A test send without ' +
      '`data` sends the first. Null in a PATCH clears them; an answer always has the list.',
    example: [{ meter_id: 'm-1', reading_count: 48 }],
  },
);

const changeableFields = {
  description: Type.String({ maxLength: 1000 }),
  schema: nullableObject({
    description: 'A JSON Schema (draft-07) for the `data` of events of this type; null for none.',
  }),
  trigger_fields: fieldList(
    'Default dotted fields whose change fires a subscription; null means none.',
  ),
  payload_fields: fieldList('Default fields of `data` to deliver; null means none.'),
  transformation: transformationSchema(
    'The default body transformation of subscriptions of this type that have none of their own.',
  ),
  examples: Nullable(examples),
};

export const NAME_HINT =
  'must be dot-separated words of letters, digits, _ - /, e.g. meter_data.received';

export const NewEventTypeBody = Type.Object(
  {
    name: Type.String({
      maxLength: 200,
      pattern: EVENT_TYPE_PATTERN,
      [PROBLEM]: { pattern: NAME_HINT },
      example: 'meter_data.received',
    }),
    description: Type.Optional(Nullable(changeableFields.description)),
    schema: Type.Optional(changeableFields.schema),
    trigger_fields: Type.Optional(changeableFields.trigger_fields),
    payload_fields: Type.Optional(changeableFields.payload_fields),
    transformation: Type.Optional(changeableFields.transformation),
    examples: Type.Optional(changeableFields.examples),
  },
  { additionalProperties: false },
);
export type NewEventTypeBody = Static<typeof NewEventTypeBody>;

export const EventTypeChangesBody = Type.Partial(Type.Object(changeableFields), {
  additionalProperties: false,
});
export type EventTypeChangesBody = Static<typeof EventTypeChangesBody>;

export const EventTypeSchema = Type.Object({
  name: Type.String({ example: 'meter_data.received' }),
  ...changeableFields,
  examples,
  archived_at: Nullable(
    dateTime('When the type was archived; archived types are hidden from the list.'),
  ),
  created_at: dateTime(),
  updated_at: dateTime(),
});

export const EventTypePreviewSchema = Type.Object({
  schema_error: Nullable(
    Type.Object(
      { field: Type.Optional(Type.String()), message: Type.Optional(Type.String()) },
      {
        description:
          'Where the event’s data breaks the type’s schema (ingest would refuse it); null when it matches.',
      },
    ),
  ),
  event: Type.Unsafe({ $ref: '#/components/schemas/PreviewedEvent' }),
  transformation: Type.Boolean({
    description: 'Whether the type’s transformation shaped the body.',
  }),
  body: Type.Unknown({
    description:
      'The body a subscription of this type that sets nothing of its own would get (its ' +
      'subscription_id is `sub_preview`); null when the transformation fails on this event.',
  }),
  raw_body: Nullable(Type.String({ description: 'The exact bytes that would be sent.' })),
  error: Nullable(Type.String({ description: 'Why the transformation gives no body.' })),
});

/**
 * `GET /v1/event-types` parameters. Other parameters are ignored, as they always were (a list of
 * names cannot be widened by a misspelt filter: there is none).
 */
export const EventTypeListQuery = Type.Object(
  {
    ...pageQuery,
    include_archived: queryFlag('Include archived types (default false).'),
  },
  { additionalProperties: false },
);
