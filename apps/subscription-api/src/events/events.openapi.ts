import {
  errorResponses,
  historyNotFound,
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
  AcceptedEventSchema,
  EVENT_ID_PATTERN,
  EventDeliverySchema,
  EventListQuery,
  EventSchema,
  EventSummarySchema,
  InboundEventSchema,
  ReplayBody,
  ReplayResultSchema,
} from './event.schema';

export const eventSchemas: Record<string, Schema> = {
  InboundEvent: InboundEventSchema,
  AcceptedEvent: AcceptedEventSchema,
  EventSummary: EventSummarySchema,
  EventDelivery: EventDeliverySchema,
  Event: EventSchema,
  ReplayRequest: ReplayBody,
  ReplayResult: ReplayResultSchema,
};

export const eventPaths: Paths = {
  '/v1/events': {
    post: {
      operationId: 'ingestEvent',
      summary: 'Publish an event over HTTP (the same envelope as Kafka)',
      tags: ['Events'],
      security: tenantOnly,
      parameters: [
        {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description: 'The event id when the envelope has none; the envelope’s `id` wins.',
          schema: { type: 'string', pattern: EVENT_ID_PATTERN },
        },
      ],
      requestBody: jsonBody(ref('InboundEvent')),
      responses: {
        '202': jsonResponse(
          'Queued for ingest, which stores it once per id and delivers it.',
          ref('AcceptedEvent'),
        ),
        ...errorResponses('400', '413', '422'),
      },
    },
    get: {
      operationId: 'listEvents',
      summary: 'List events, newest received first (without their data)',
      tags: ['Events'],
      security: tenantOnly,
      parameters: queryParameters(EventListQuery),
      responses: {
        '200': jsonResponse('A page of events.', pageOf(ref('EventSummary'))),
        ...errorResponses('422'),
      },
    },
  },
  '/v1/events/{id}': {
    get: {
      operationId: 'getEvent',
      summary: 'Get an event with its data and deliveries',
      tags: ['Events'],
      security: tenantOnly,
      parameters: [pathParam('id', 'Event id.')],
      responses: {
        '200': jsonResponse('The event.', ref('Event')),
        ...errorResponses('404'),
        '404': historyNotFound,
      },
    },
  },
  '/v1/events/{id}/replay': {
    post: {
      operationId: 'replayEvent',
      summary: 'Send a stored event again, as new deliveries',
      tags: ['Events'],
      security: tenantOnly,
      parameters: [pathParam('id', 'Event id.')],
      requestBody: { ...jsonBody(ref('ReplayRequest')), required: false },
      responses: {
        '202': jsonResponse(
          'The new deliveries (origin `replay`), queued for delivery.',
          ref('ReplayResult'),
        ),
        ...errorResponses('400', '404', '422'),
        '404': historyNotFound,
      },
    },
  },
};
