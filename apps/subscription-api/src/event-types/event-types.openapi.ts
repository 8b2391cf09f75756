import {
  errorResponses,
  jsonBody,
  jsonResponse,
  pageOf,
  pathParam,
  ref,
  tenantOnly,
  type Paths,
  type Schema,
} from '../common/openapi-builder';
import { queryParameters } from '../common/query-schema';
import {
  EventTypeChangesBody,
  EventTypeListQuery,
  EventTypePreviewSchema,
  EventTypeSchema,
  NewEventTypeBody,
} from './event-type.schema';

const nameParam = pathParam('name', 'Event type name, e.g. `meter_data.received`.');

export const eventTypeSchemas: Record<string, Schema> = {
  EventType: EventTypeSchema,
  NewEventType: NewEventTypeBody,
  EventTypePreview: EventTypePreviewSchema,
  EventTypeChanges: EventTypeChangesBody,
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
      parameters: queryParameters(EventTypeListQuery),
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
