import {
  errorResponses,
  jsonBody,
  jsonResponse,
  pathParam,
  ref,
  tenantOnly,
  type Paths,
  type Schema,
} from '../openapi/openapi-builder';

export const subscriptionActionSchemas: Record<string, Schema> = {
  TestDeliveryRequest: {
    type: 'object',
    additionalProperties: false,
    properties: {
      event_type: { type: 'string', maxLength: 200, default: 'herald.test' },
      data: {
        type: ['object', 'array', 'string', 'number', 'boolean', 'null'],
        default: {},
        description:
          'The test event’s payload: any JSON value, as an event’s; null or left out, `{}`.',
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
          'Stores an event (type `herald.test` unless given) and delivers it (origin `test`).',
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
