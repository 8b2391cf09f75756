import { EVENT_TYPE_GLOB } from '@herald/domain';
import {
  errorResponses,
  EVENT_TYPE_PATTERN,
  jsonBody,
  jsonResponse,
  pageOf,
  pathParam,
  queryParam,
  ref,
  tenantOnly,
  type Paths,
  type Schema,
} from '../common/openapi-builder';
import { pageParams } from '../common/query-schema';

const EVENT_ID_PATTERN = '^[A-Za-z0-9_.:-]{1,200}$';

const summaryFields: Record<string, Schema> = {
  id: { type: 'string', example: 'evt_01hz…' },
  type: { type: 'string', example: 'meter_data.received' },
  occurred_at: { type: 'string', format: 'date-time' },
  received_at: { type: 'string', format: 'date-time' },
  subject: { type: ['string', 'null'], example: 'node/42/source/inv-1' },
  changed_fields: { type: ['array', 'null'], items: { type: 'string' } },
};

/** An event's payload: any JSON value but null (issue 13: Openvolt's readings are a list). */
const eventData: Schema = {
  type: ['object', 'array', 'string', 'number', 'boolean'],
  description:
    'The payload: any JSON value but null — an object, a list (such as Openvolt’s ' +
    '`[{meter_id, start_interval, end_interval}, …]`), a string, a number or a boolean. Filter and ' +
    '`payload_fields` paths look in every element of a list; a string, number or boolean has no ' +
    'fields (paths with keys find nothing in it, and it is delivered whole).',
  example: [
    {
      meter_id: 'm-1',
      start_interval: '2024-05-02T12:00:00Z',
      end_interval: '2024-05-02T12:30:00Z',
    },
  ],
};

/** The 404 of a lookup by id: unknown, another tenant's, or purged past the tenant's retention. */
const eventNotFound = jsonResponse(
  'Not found (also for another tenant’s ids). Code `expired` when the id dates from before the ' +
    'tenant’s retention (`HERALD_RETENTION`, or the tenant’s own `retention`): its history was ' +
    'purged and is not coming back; code `not_found` otherwise.',
  ref('Error'),
);

export const eventSchemas: Record<string, Schema> = {
  InboundEvent: {
    type: 'object',
    required: ['type', 'data'],
    description:
      'The envelope Kafka producers send to `herald.events.inbound`. Its compact JSON, with `id` and ' +
      '`tenant_id` filled in, must fit in HERALD_MAX_EVENT_BYTES.',
    properties: {
      id: {
        type: ['string', 'null'],
        pattern: EVENT_ID_PATTERN,
        description:
          'The producer’s id and idempotency key: the same id twice in a tenant is one event. ' +
          'Without it, the Idempotency-Key header is the id, else Herald assigns `evt_…`.',
      },
      tenant_id: {
        type: ['string', 'null'],
        minLength: 1,
        maxLength: 100,
        description: 'Optional; when given it must be the tenant of the API key (else 422).',
      },
      type: {
        type: 'string',
        maxLength: 200,
        pattern: EVENT_TYPE_PATTERN,
        not: { pattern: '^herald\\.' },
        example: 'meter_data.received',
        description:
          'Types starting with `herald.` are reserved for Herald’s operational events (400 `reserved_event_type`).',
      },
      occurred_at: {
        oneOf: [{ type: 'string', format: 'date-time' }, { type: 'null' }],
        description: 'ISO 8601 with a zone; defaults to the time ingest receives it.',
      },
      subject: { type: ['string', 'null'], maxLength: 1000, example: 'node/42/source/inv-1' },
      changed_fields: {
        type: ['array', 'null'],
        items: { type: 'string' },
        example: ['project.address'],
      },
      data: eventData,
    },
  },
  AcceptedEvent: {
    type: 'object',
    required: ['id', 'status'],
    properties: { id: { type: 'string' }, status: { const: 'accepted' } },
  },
  EventSummary: {
    type: 'object',
    required: Object.keys(summaryFields),
    properties: summaryFields,
  },
  EventDelivery: {
    type: 'object',
    required: [
      'id',
      'webhook_id',
      'subscription_id',
      'origin',
      'status',
      'attempts',
      'next_attempt_at',
      'last_attempt_at',
      'created_at',
    ],
    properties: {
      id: { type: 'string', example: 'dlv_01hz…' },
      webhook_id: {
        type: 'string',
        description: 'The `webhook-id` header: its own `id`, or that of the delivery it resends.',
      },
      subscription_id: { type: 'string' },
      origin: { type: 'string', enum: ['event', 'replay', 'test', 'retry'] },
      status: { type: 'string', enum: ['pending', 'succeeded', 'retrying', 'failed', 'dead'] },
      attempts: { type: 'integer', minimum: 0 },
      next_attempt_at: { type: ['string', 'null'], format: 'date-time' },
      last_attempt_at: { type: ['string', 'null'], format: 'date-time' },
      created_at: { type: 'string', format: 'date-time' },
    },
  },
  Event: {
    type: 'object',
    required: [...Object.keys(summaryFields), 'data', 'deliveries', 'failure'],
    properties: {
      ...summaryFields,
      data: eventData,
      failure: {
        type: ['object', 'null'],
        required: ['code', 'message', 'failed_at'],
        properties: {
          code: { type: 'string', example: 'unprocessable' },
          message: { type: 'string' },
          failed_at: { type: 'string', format: 'date-time' },
        },
        description:
          'Why Herald could not match the accepted event (it is parked in herald.events.invalid; ' +
          'its deliveries not yet sent are dead, and a redrive sends them); null normally.',
      },
      deliveries: {
        type: 'array',
        items: ref('EventDelivery'),
        description: 'Every delivery of the event, oldest first: its first flow, replays, retries.',
      },
    },
  },
  ReplayRequest: {
    type: 'object',
    additionalProperties: false,
    properties: {
      subscription_ids: {
        type: ['array', 'null'],
        minItems: 1,
        maxItems: 100,
        items: { type: 'string' },
        description:
          'Replay only to these subscriptions (each must be the tenant’s and enabled), whatever ' +
          'their event types. Left out: every subscription that matches the event now.',
      },
    },
  },
  ReplayResult: {
    type: 'object',
    required: ['deliveries'],
    properties: { deliveries: { type: 'array', items: ref('EventDelivery') } },
  },
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
      parameters: [
        queryParam(
          'type',
          'An event type, or a glob as in subscriptions: `*` matches within one dot-separated ' +
            'segment, `**` across segments, a lone `*` everything (`meter_data.*`, `*.created`).',
          { type: 'string', minLength: 1, maxLength: 200, pattern: EVENT_TYPE_GLOB.source },
        ),
        queryParam('since', 'Received at or after this ISO 8601 time (with a zone).', {
          type: 'string',
          format: 'date-time',
        }),
        queryParam('until', 'Received before this ISO 8601 time (with a zone).', {
          type: 'string',
          format: 'date-time',
        }),
        ...pageParams,
      ],
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
        '404': eventNotFound,
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
        '404': eventNotFound,
      },
    },
  },
};
