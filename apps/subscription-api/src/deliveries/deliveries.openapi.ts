import {
  errorResponses,
  jsonResponse,
  pageOf,
  pageParams,
  pathParam,
  queryParam,
  ref,
  tenantOnly,
  type Paths,
  type Schema,
} from '../common/openapi-builder';
import { CSV_MAX_ROWS } from './delivery-list-query';
import { DELIVERY_STATUSES } from '../common/query-reader';

const time = (description: string): Schema => ({
  type: ['string', 'null'],
  format: 'date-time',
  description,
});

const deliveryFields: Record<string, Schema> = {
  id: { type: 'string', example: 'dlv_01hz…' },
  webhook_id: {
    type: 'string',
    example: 'dlv_01hz…',
    description:
      'The `webhook-id` header it is sent with: its own `id`, or for a retry, redrive or recover (origin `retry`) the `webhook_id` of the delivery it resends, so receivers that de-duplicate on it recognise the message.',
  },
  subscription_id: { type: 'string' },
  event_id: { type: 'string' },
  event_type: { type: 'string', example: 'meter_data.received' },
  origin: {
    type: 'string',
    enum: ['event', 'replay', 'test', 'retry'],
    description:
      '`event`: the event’s first flow; `replay`, `test`; `retry`: a retry, redrive or recover.',
  },
  status: { type: 'string', enum: [...DELIVERY_STATUSES] },
  attempts: { type: 'integer', minimum: 0, description: 'Attempts made so far.' },
  next_attempt_at: time('When the next attempt is due, while `retrying`.'),
  last_attempt_at: time('When the last attempt started.'),
  created_at: { type: 'string', format: 'date-time' },
  updated_at: { type: 'string', format: 'date-time' },
};

const STATUSES = DELIVERY_STATUSES.join('|');

/** Query parameters shared with the dead-letter list. */

/** The 404 of a lookup by id: unknown, another tenant's, or purged past the tenant's retention. */
const deliveryNotFound = jsonResponse(
  'Not found (also for another tenant’s ids). Code `expired` when the id dates from before the ' +
    'tenant’s retention (`HERALD_RETENTION`, or the tenant’s own `retention`): its history was ' +
    'purged and is not coming back; code `not_found` otherwise.',
  ref('Error'),
);

export const createdRangeParams: Schema[] = [
  queryParam('since', 'Created at or after this ISO 8601 time (with a zone).', {
    type: 'string',
    format: 'date-time',
  }),
  queryParam('until', 'Created before this ISO 8601 time (with a zone); later than `since`.', {
    type: 'string',
    format: 'date-time',
  }),
];

export const deliverySchemas: Record<string, Schema> = {
  Delivery: {
    type: 'object',
    required: Object.keys(deliveryFields),
    properties: deliveryFields,
  },
  DeliveryAttempt: {
    type: 'object',
    required: [
      'attempt',
      'started_at',
      'duration_ms',
      'outcome',
      'status_code',
      'error_class',
      'error_message',
      'response_excerpt',
    ],
    properties: {
      attempt: { type: 'integer', minimum: 1 },
      started_at: { type: 'string', format: 'date-time' },
      duration_ms: { type: 'integer', minimum: 0 },
      outcome: { type: 'string', enum: ['succeeded', 'failed'] },
      status_code: { type: ['integer', 'null'], description: 'The receiver’s HTTP status.' },
      error_class: {
        type: ['string', 'null'],
        enum: ['retryable', 'permanent', 'ours', null],
        description: 'Why it failed, which decided what happened next.',
      },
      error_message: { type: ['string', 'null'] },
      response_excerpt: {
        type: ['string', 'null'],
        description:
          'The start of the receiver’s answer: 4 KiB, or up to 64 KiB while the subscription has ' +
          '`debug` on.',
      },
      request_body: {
        type: 'string',
        description:
          'The request body as sent (up to 64 KiB); present only on attempts made while the ' +
          'subscription had `debug` on.',
      },
    },
  },
  DeliveryDetail: {
    type: 'object',
    required: [...Object.keys(deliveryFields), 'redriven_at'],
    properties: {
      ...deliveryFields,
      attempts: {
        type: 'array',
        items: ref('DeliveryAttempt'),
        description: 'Every attempt, in order.',
      },
      redriven_at: time(
        'When this failed or dead delivery was last sent again as a new delivery (a retry, ' +
          'redrive or recover); null if never.',
      ),
    },
  },
};

const csvColumns = Object.keys(deliveryFields).join(',');

export const deliveryPaths: Paths = {
  '/v1/deliveries': {
    get: {
      operationId: 'listDeliveries',
      summary: 'List deliveries, newest first, or export them as CSV',
      tags: ['Deliveries'],
      security: tenantOnly,
      parameters: [
        queryParam('subscription_id', 'Only deliveries to this subscription.'),
        queryParam('event_id', 'Only deliveries of this event.'),
        queryParam('status', 'One status, or several separated by commas (`failed,dead`).', {
          type: 'string',
          maxLength: 200,
          pattern: `^\\s*(${STATUSES})\\s*(,\\s*(${STATUSES})\\s*)*$`,
          example: 'dead',
        }),
        ...createdRangeParams,
        queryParam(
          'q',
          'Case-insensitive text found in the delivery id, the event id, the event type, or the ' +
            'error message or response excerpt of the delivery’s last attempt.',
          { type: 'string', minLength: 1, maxLength: 200 },
        ),
        queryParam(
          'format',
          '`json` (default) or `csv`. CSV answers at most ' +
            `${CSV_MAX_ROWS} rows (\`limit\` may ask for fewer) with a header row; when more ` +
            'match, the `X-Next-Cursor` header holds the cursor of the next batch and `Link` its ' +
            'URL (`rel="next"`).',
          { type: 'string', enum: ['json', 'csv'], default: 'json' },
        ),
        queryParam(
          'limit',
          `Page size: 1 to 100 (default 20); with \`format=csv\`, 1 to ${CSV_MAX_ROWS} (default ${CSV_MAX_ROWS}).`,
          { type: 'integer', minimum: 1, maximum: CSV_MAX_ROWS },
        ),
        pageParams[1],
      ],
      responses: {
        '200': {
          description: 'A page of deliveries, newest first; or one CSV batch of them.',
          headers: {
            'X-Next-Cursor': {
              description: 'CSV only: the cursor of the next batch, when there is one.',
              schema: { type: 'string' },
            },
            Link: {
              description: 'CSV only: `<url of the next batch>; rel="next"`.',
              schema: { type: 'string' },
            },
          },
          content: {
            'application/json': { schema: pageOf(ref('Delivery')) },
            'text/csv': {
              schema: { type: 'string' },
              example: `${csvColumns}\r\n`,
            },
          },
        },
        ...errorResponses('422'),
      },
    },
  },
  '/v1/deliveries/{id}': {
    get: {
      operationId: 'getDelivery',
      summary: 'Get a delivery with every attempt and its next attempt',
      tags: ['Deliveries'],
      security: tenantOnly,
      parameters: [pathParam('id', 'Delivery id.')],
      responses: {
        '200': jsonResponse('The delivery.', ref('DeliveryDetail')),
        ...errorResponses('404'),
        '404': deliveryNotFound,
      },
    },
  },
  '/v1/deliveries/{id}/retry': {
    post: {
      operationId: 'retryDelivery',
      summary: 'Send a delivery’s event to its subscription again now, as a new delivery',
      tags: ['Deliveries'],
      security: tenantOnly,
      parameters: [pathParam('id', 'Delivery id.')],
      responses: {
        '202': jsonResponse(
          'The new delivery (origin `retry`), queued. A failed or dead original is marked ' +
            'redriven, so a redrive or recover by range does not send it again.',
          ref('Delivery'),
        ),
        ...errorResponses('404', '409'),
        '404': deliveryNotFound,
      },
    },
  },
};
