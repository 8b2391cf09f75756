import {
  errorResponses,
  EVENT_TYPE_PATTERN,
  jsonBody,
  jsonResponse,
  pageOf,
  pageParams,
  pathParam,
  queryParam,
  ref,
  tenantOnly,
  transformationSchema,
  type Paths,
  type Schema,
} from '../common/openapi-builder';

const fieldList = (description: string): Schema => ({
  type: ['array', 'null'],
  maxItems: 500,
  items: { type: 'string' },
  description,
});

const changeableFields: Record<string, Schema> = {
  description: { type: 'string', maxLength: 1000 },
  schema: {
    type: ['object', 'null'],
    description: 'A JSON Schema (draft-07) for the `data` of events of this type; null for none.',
  },
  trigger_fields: fieldList(
    'Default dotted fields whose change fires a subscription; null means none.',
  ),
  payload_fields: fieldList('Default fields of `data` to deliver; null means none.'),
  transformation: transformationSchema(
    'The default body transformation of subscriptions of this type that have none of their own.',
  ),
  examples: {
    type: ['array', 'null'],
    maxItems: 10,
    items: { type: ['object', 'array', 'string', 'number', 'boolean'] },
    description:
      'Sample `data` of events of this type, each valid as an event’s `data` and against `schema` ' +
      'when there is one; together at most HERALD_MAX_EVENT_BYTES of JSON. A test send without ' +
      '`data` sends the first. Null in a PATCH clears them; an answer always has the list.',
    example: [{ meter_id: 'm-1', reading_count: 48 }],
  },
};

const nameParam = pathParam('name', 'Event type name, e.g. `meter_data.received`.');

export const eventTypeSchemas: Record<string, Schema> = {
  EventType: {
    type: 'object',
    required: [
      'name',
      'description',
      'schema',
      'trigger_fields',
      'payload_fields',
      'transformation',
      'examples',
      'archived_at',
      'created_at',
      'updated_at',
    ],
    properties: {
      name: { type: 'string', example: 'meter_data.received' },
      ...changeableFields,
      archived_at: {
        type: ['string', 'null'],
        format: 'date-time',
        description: 'When the type was archived; archived types are hidden from the list.',
      },
      created_at: { type: 'string', format: 'date-time' },
      updated_at: { type: 'string', format: 'date-time' },
    },
  },
  NewEventType: {
    type: 'object',
    required: ['name'],
    additionalProperties: false,
    properties: {
      name: {
        type: 'string',
        maxLength: 200,
        pattern: EVENT_TYPE_PATTERN,
        example: 'meter_data.received',
      },
      ...changeableFields,
      description: { type: ['string', 'null'], maxLength: 1000 },
    },
  },
  EventTypePreview: {
    type: 'object',
    required: ['schema_error', 'event', 'transformation', 'body', 'raw_body', 'error'],
    properties: {
      schema_error: {
        type: ['object', 'null'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
        description:
          'Where the event’s data breaks the type’s schema (ingest would refuse it); null when it matches.',
      },
      event: ref('PreviewedEvent'),
      transformation: {
        type: 'boolean',
        description: 'Whether the type’s transformation shaped the body.',
      },
      body: {
        description:
          'The body a subscription of this type that sets nothing of its own would get (its ' +
          'subscription_id is `sub_preview`); null when the transformation fails on this event.',
      },
      raw_body: { type: ['string', 'null'], description: 'The exact bytes that would be sent.' },
      error: { type: ['string', 'null'], description: 'Why the transformation gives no body.' },
    },
  },
  EventTypeChanges: {
    type: 'object',
    additionalProperties: false,
    properties: changeableFields,
  },
};

export const eventTypePaths: Paths = {
  '/v1/event-types': {
    post: {
      operationId: 'createEventType',
      summary: 'Add an event type to the catalog',
      tags: ['Event types'],
      security: tenantOnly,
      requestBody: jsonBody(ref('NewEventType')),
      responses: {
        '201': jsonResponse('The event type.', ref('EventType')),
        ...errorResponses('400', '409', '422'),
      },
    },
    get: {
      operationId: 'listEventTypes',
      summary: 'List event types by name (also those registered on first sight of an event)',
      tags: ['Event types'],
      security: tenantOnly,
      parameters: [
        ...pageParams,
        queryParam('include_archived', 'Include archived types (default false).', {
          type: 'boolean',
          default: false,
        }),
      ],
      responses: {
        '200': jsonResponse('A page of event types.', pageOf(ref('EventType'))),
        ...errorResponses('422'),
      },
    },
  },
  '/v1/event-types/{name}/preview': {
    post: {
      operationId: 'previewEventType',
      summary:
        'What a subscription of this type would be sent for an event, without sending anything',
      tags: ['Event types'],
      security: tenantOnly,
      parameters: [nameParam],
      requestBody: jsonBody(
        ref('PreviewRequest'),
        'The type’s payload_fields and transformation applied; a given event without `type` has this one.',
      ),
      responses: {
        '200': jsonResponse('The body and the schema check.', ref('EventTypePreview')),
        ...errorResponses('400', '404', '422'),
      },
    },
  },
  '/v1/event-types/{name}': {
    get: {
      operationId: 'getEventType',
      summary: 'Get an event type (archived ones too)',
      description:
        'An archived type (`DELETE` archives) is still answered, with `archived_at` set.',
      tags: ['Event types'],
      security: tenantOnly,
      parameters: [nameParam],
      responses: {
        '200': jsonResponse('The event type.', ref('EventType')),
        ...errorResponses('404'),
      },
    },
    patch: {
      operationId: 'updateEventType',
      summary: 'Change an event type’s description, schema, default fields or examples',
      tags: ['Event types'],
      security: tenantOnly,
      parameters: [nameParam],
      requestBody: jsonBody(ref('EventTypeChanges')),
      responses: {
        '200': jsonResponse('The event type.', ref('EventType')),
        ...errorResponses('400', '404', '422'),
      },
    },
    delete: {
      operationId: 'archiveEventType',
      summary: 'Archive an event type (it is kept, hidden from the list, and can be unarchived)',
      description:
        'Archives rather than deletes: afterwards `GET /v1/event-types/{name}` still answers 200 ' +
        'with `archived_at` set, the list shows the type only with `include_archived=true`, and ' +
        '`POST /v1/event-types/{name}/unarchive` brings it back.',
      tags: ['Event types'],
      security: tenantOnly,
      parameters: [nameParam],
      responses: {
        '200': jsonResponse('The archived event type.', ref('EventType')),
        ...errorResponses('404'),
      },
    },
  },
  '/v1/event-types/{name}/unarchive': {
    post: {
      operationId: 'unarchiveEventType',
      summary: 'Unarchive an event type',
      tags: ['Event types'],
      security: tenantOnly,
      parameters: [nameParam],
      responses: {
        '200': jsonResponse('The event type.', ref('EventType')),
        ...errorResponses('404'),
      },
    },
  },
};
