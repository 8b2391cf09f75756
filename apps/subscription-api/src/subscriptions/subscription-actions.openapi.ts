import { DESTINATION_TYPES } from '@herald/domain';
import {
  errorResponses,
  EVENT_TYPE_PATTERN,
  jsonBody,
  jsonResponse,
  pathParam,
  ref,
  tenantOnly,
  type Paths,
  type Schema,
} from '../common/openapi-builder';

export const subscriptionActionSchemas: Record<string, Schema> = {
  PreviewRequest: {
    type: 'object',
    additionalProperties: false,
    description:
      'A stored event by id, or an event given whole (checked as `POST /v1/events` checks one).',
    properties: {
      event_id: { type: ['string', 'null'], maxLength: 200 },
      event: { oneOf: [ref('InboundEvent'), { type: 'null' }] },
    },
    oneOf: [
      {
        required: ['event_id'],
        properties: { event_id: { type: 'string' }, event: { type: 'null' } },
      },
      {
        required: ['event'],
        properties: { event: { type: 'object' }, event_id: { type: 'null' } },
      },
    ],
  },
  PreviewedEvent: {
    type: 'object',
    required: ['id', 'type', 'occurred_at', 'subject', 'changed_fields', 'data'],
    properties: {
      id: { type: 'string' },
      type: { type: 'string' },
      occurred_at: { type: 'string', format: 'date-time' },
      subject: { type: ['string', 'null'] },
      changed_fields: { type: ['array', 'null'], items: { type: 'string' } },
      data: { description: 'The event’s whole data, before `payload_fields`.' },
    },
  },
  SubscriptionPreview: {
    type: 'object',
    required: [
      'would_deliver',
      'reasons',
      'destination_type',
      'event',
      'delivery_id',
      'transformation',
      'body',
      'raw_body',
      'headers',
      'error',
    ],
    properties: {
      would_deliver: {
        type: 'boolean',
        description: 'Whether the subscription would get the event now.',
      },
      reasons: {
        type: 'array',
        items: { type: 'string' },
        description:
          'Why not, one per failing check (paused, disabled, event_types, filter, trigger fields); empty when it would.',
      },
      destination_type: { type: 'string', enum: DESTINATION_TYPES },
      event: ref('PreviewedEvent'),
      delivery_id: {
        type: 'string',
        description:
          'An illustrative delivery id (the body and signature use it); a real delivery gets its own.',
      },
      transformation: {
        type: ['string', 'null'],
        enum: ['subscription', 'event_type', null],
        description: 'Whose transformation shaped the body; null for the standard body.',
      },
      body: { description: 'The body as JSON; null when the transformation fails on this event.' },
      raw_body: {
        type: ['string', 'null'],
        description: 'The exact bytes that would be sent and signed.',
      },
      headers: {
        type: ['object', 'null'],
        additionalProperties: { type: 'string' },
        description:
          'A webhook’s headers: its own (values masked), content type, user agent and the Standard ' +
          'Webhooks signature over `raw_body` with the subscription’s current secrets. Null for ' +
          'email and SQS, and when there is no body.',
      },
      error: {
        type: ['string', 'null'],
        description:
          'Why the transformation gives no body for this event: the delivery would be dead-lettered with it.',
      },
    },
  },
  TestDeliveryRequest: {
    type: 'object',
    additionalProperties: false,
    properties: {
      event_type: {
        type: ['string', 'null'],
        maxLength: 200,
        pattern: EVENT_TYPE_PATTERN,
        description:
          'Without it (and without `data`): the first of the subscription’s event types, in their ' +
          'order, with an example in the catalog (a glob’s matches in name order, archived types ' +
          'skipped); with no example anywhere, `herald.test`.',
      },
      data: {
        type: ['object', 'array', 'string', 'number', 'boolean', 'null'],
        description:
          'The test event’s payload: any JSON value, as an event’s. Null or left out: the first ' +
          'example of the event type in the catalog, or `{}` when it has none.',
      },
    },
  },
  TestDeliveryResult: {
    type: 'object',
    required: ['delivery', 'attempt'],
    properties: {
      delivery: ref('Delivery'),
      attempt: {
        oneOf: [ref('DeliveryAttempt'), { type: 'null' }],
        description: 'The first attempt; null while it is still under way (202).',
      },
    },
  },
  RecoverRequest: {
    type: 'object',
    required: ['since'],
    additionalProperties: false,
    properties: {
      since: {
        type: 'string',
        format: 'date-time',
        description: 'Deliveries created at or after this time; not in the future.',
      },
    },
  },
  RecoverResult: {
    type: 'object',
    required: ['recovered'],
    properties: { recovered: { type: 'integer', minimum: 0 } },
  },
};

export const subscriptionActionPaths: Paths = {
  '/v1/subscriptions/{id}/preview': {
    post: {
      operationId: 'previewSubscription',
      summary: 'What this subscription would be sent for an event, without sending anything',
      tags: ['Subscriptions'],
      security: tenantOnly,
      parameters: [pathParam('id', 'Subscription id.')],
      requestBody: jsonBody(
        ref('PreviewRequest'),
        'Renders the event through the filter, trigger_fields, payload_fields and the transformation.',
      ),
      responses: {
        '200': jsonResponse('The verdict, the body and the headers.', ref('SubscriptionPreview')),
        ...errorResponses('400', '404', '422'),
      },
    },
  },
  '/v1/subscriptions/{id}/test': {
    post: {
      operationId: 'testSubscription',
      summary: 'Send a test event to this subscription only and wait for the first attempt',
      tags: ['Subscriptions'],
      security: tenantOnly,
      parameters: [pathParam('id', 'Subscription id.')],
      requestBody: {
        ...jsonBody(
          ref('TestDeliveryRequest'),
          'Stores an event and delivers it (origin `test`); without `data`, an example from the ' +
            'event type catalog, as Svix’s "send example".',
        ),
        required: false,
      },
      responses: {
        '200': jsonResponse('The first attempt was made.', ref('TestDeliveryResult')),
        '202': jsonResponse(
          'No attempt within the delivery timeout plus 2 s; the delivery is under way.',
          ref('TestDeliveryResult'),
        ),
        ...errorResponses('400', '404', '422'),
      },
    },
  },
  '/v1/subscriptions/{id}/recover': {
    post: {
      operationId: 'recoverSubscription',
      summary: 'Send again every failed or dead delivery of this subscription since a time',
      tags: ['Subscriptions'],
      security: tenantOnly,
      parameters: [pathParam('id', 'Subscription id.')],
      requestBody: jsonBody(
        ref('RecoverRequest'),
        'Each as a new delivery (origin `retry`), oldest first. Deliveries already sent again by a ' +
          'retry, redrive or earlier recover are skipped, so repeating the call sends nothing twice.',
      ),
      responses: {
        '202': jsonResponse('How many were sent again.', ref('RecoverResult')),
        ...errorResponses('400', '404', '422'),
      },
    },
  },
};
