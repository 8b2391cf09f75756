import { EVENT_TYPE_GLOB } from '@herald/domain';
import {
  errorResponses,
  jsonBody,
  jsonResponse,
  pageOf,
  pageParams,
  pathParam,
  ref,
  tenantOnly,
  transformationSchema,
  type Paths,
  type Schema,
} from '../openapi/openapi-builder';
import { FIELD_PATH, HEADER_NAME, RESERVED_HEADERS } from './subscription-input';

/** A regular expression matching `word` in any case (JSON Schema patterns take no flags). */
const anyCase = (word: string): string =>
  [...word].map((c) => (/[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c)).join('');

/** Extra headers: valid names, none Herald sets itself, single-line values. */
const extraHeaders: Schema = {
  type: 'object',
  propertyNames: {
    pattern: HEADER_NAME.source,
    not: {
      pattern: `^(${[...RESERVED_HEADERS].map(anyCase).join('|')})$|^${anyCase('webhook-')}`,
    },
  },
  additionalProperties: { type: 'string', maxLength: 4096, pattern: '^[^\\r\\n]*$' },
};

const stringList = {
  type: ['array', 'null'],
  maxItems: 500,
  items: { type: 'string', pattern: FIELD_PATH.source },
};

const subscriptionFields: Record<string, Schema> = {
  description: { type: ['string', 'null'], maxLength: 1000 },
  enabled: { type: 'boolean', default: true },
  debug: {
    type: 'boolean',
    default: false,
    description: 'Keep full request and response bodies of attempts.',
  },
  event_types: {
    type: 'array',
    minItems: 1,
    maxItems: 100,
    items: { type: 'string', maxLength: 200, pattern: EVENT_TYPE_GLOB.source },
    example: ['meter_data.*'],
  },
  destination: ref('Destination'),
  filter: { type: ['object', 'null'], description: 'A predicate over `subject` and `data` paths.' },
  trigger_fields: {
    ...stringList,
    description: 'Fire only when one of these dotted fields changed; null means the defaults.',
  },
  payload_fields: {
    ...stringList,
    description: 'Fields of `data` to deliver; null means the defaults.',
  },
  ordering: {
    type: 'string',
    enum: ['best_effort', 'strict'],
    default: 'best_effort',
    description:
      '`best_effort`: deliveries start in event order, up to `max_in_flight` at once, and a ' +
      'failed one retries while later ones go on. `strict`: one at a time, and a failing delivery ' +
      'holds the later ones until it succeeds or is dead-lettered.',
  },
  rate_limit_per_second: { type: ['integer', 'null'], minimum: 1, maximum: 100_000 },
  max_in_flight: {
    type: ['integer', 'null'],
    minimum: 1,
    maximum: 128,
    description:
      'Best-effort deliveries of this subscription in flight at once; null for the default, 32. ' +
      'Strict subscriptions always have one.',
  },
  metadata: {
    type: ['object', 'null'],
    description:
      'Your own JSON object (at most 4 KiB), kept with the subscription and readable by its ' +
      'transformation as `metadata`; null clears it to `{}`.',
    example: { hookId: 7 },
  },
  transformation: transformationSchema(
    "Shapes the delivered body; null uses the event type's transformation, if any.",
  ),
};

export const subscriptionSchemas: Record<string, Schema> = {
  WebhookDestination: {
    type: 'object',
    required: ['type', 'url'],
    additionalProperties: false,
    properties: {
      type: { const: 'webhook' },
      url: { type: 'string', format: 'uri', maxLength: 2048 },
      headers: {
        oneOf: [
          { type: 'null' },
          extraHeaders,
          {
            type: 'string',
            contentMediaType: 'application/json',
            contentSchema: extraHeaders,
            example: '{"Authorization": "Token abc"}',
            description: 'The same object as JSON text, as OpenSolar’s API sends it.',
          },
        ],
        description:
          'Extra request headers: an object, or a string holding one as JSON (stored and returned as the object); null for none. Values are encrypted at rest and masked in responses.',
      },
    },
  },
  EmailDestination: {
    type: 'object',
    required: ['type', 'to'],
    additionalProperties: false,
    description:
      'Sends each event as one email through the SMTP server Herald is configured with, the delivered body attached as event.json.',
    properties: {
      type: { const: 'email' },
      to: {
        type: 'array',
        minItems: 1,
        maxItems: 50,
        items: { type: 'string', format: 'email', maxLength: 254 },
      },
    },
  },
  SqsDestination: {
    type: 'object',
    required: ['type', 'region'],
    additionalProperties: false,
    description:
      'Sends each event as one message to an Amazon SQS (or SQS-compatible) queue: the delivered body as ' +
      'message body, with event_type, event_id and delivery_id message attributes. A FIFO queue (its ' +
      'name ending in .fifo) gets the subscription id as MessageGroupId and the delivery id as ' +
      'MessageDeduplicationId. Give queue_name or queue_url, not both. Without keys Herald uses its ' +
      'own AWS credentials (the SDK default chain).',
    if: { required: ['access_key_id'], properties: { access_key_id: { type: 'string' } } },
    then: {
      required: ['secret_access_key'],
      properties: { secret_access_key: { type: 'string' } },
    },
    else: { properties: { secret_access_key: { type: 'null' } } },
    oneOf: [
      {
        required: ['queue_name'],
        properties: { queue_name: { type: 'string' }, queue_url: { type: 'null' } },
      },
      {
        required: ['queue_url'],
        properties: { queue_url: { type: 'string' }, queue_name: { type: 'null' } },
      },
    ],
    properties: {
      type: { const: 'sqs' },
      region: {
        type: 'string',
        maxLength: 50,
        pattern: '^[a-z0-9]+(-[a-z0-9]+)*$',
        example: 'eu-west-1',
      },
      queue_name: {
        type: ['string', 'null'],
        pattern: '^[A-Za-z0-9_-]+(\\.fifo)?$',
        maxLength: 80,
        example: 'billing-events',
      },
      queue_url: { type: ['string', 'null'], format: 'uri', maxLength: 2048 },
      access_key_id: {
        type: ['string', 'null'],
        maxLength: 128,
        pattern: '^[A-Za-z0-9]+$',
        example: 'AKIAIOSFODNN7EXAMPLE',
        description: 'Given with secret_access_key, or neither.',
      },
      secret_access_key: {
        type: ['string', 'null'],
        minLength: 1,
        maxLength: 256,
        description:
          'Required with access_key_id. Encrypted at rest and masked (********) in responses; sending ' +
          'the mask back on update keeps the stored key.',
      },
      endpoint_url: {
        type: ['string', 'null'],
        format: 'uri',
        maxLength: 2048,
        description: 'Another SQS endpoint, for SQS-compatible servers or VPC endpoints.',
      },
    },
  },
  Destination: {
    oneOf: [ref('WebhookDestination'), ref('EmailDestination'), ref('SqsDestination')],
    discriminator: {
      propertyName: 'type',
      mapping: {
        webhook: '#/components/schemas/WebhookDestination',
        email: '#/components/schemas/EmailDestination',
        sqs: '#/components/schemas/SqsDestination',
      },
    },
  },
  NewSubscription: {
    type: 'object',
    required: ['event_types', 'destination'],
    additionalProperties: false,
    properties: subscriptionFields,
  },
  Subscription: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      ...subscriptionFields,
      status: { type: 'string', enum: ['active', 'disabled'] },
      disabled_reason: { type: ['string', 'null'] },
      failing_since: {
        type: ['string', 'null'],
        format: 'date-time',
        description:
          'Since when its attempts have failed with no success between (a run that lasts ' +
          '`HERALD_AUTO_DISABLE_AFTER` disables it); null: not failing.',
      },
      created_at: { type: 'string', format: 'date-time' },
      updated_at: { type: 'string', format: 'date-time' },
    },
  },
  CreatedSubscription: {
    allOf: [
      ref('Subscription'),
      {
        type: 'object',
        required: ['secret'],
        properties: { secret: { type: 'string', example: 'whsec_…' } },
      },
    ],
  },
};

export const subscriptionPaths: Paths = {
  '/v1/subscriptions': {
    post: {
      operationId: 'createSubscription',
      summary: 'Create a subscription',
      tags: ['Subscriptions'],
      security: tenantOnly,
      requestBody: jsonBody(ref('NewSubscription')),
      responses: {
        '201': jsonResponse('The subscription and its signing secret.', ref('CreatedSubscription')),
        ...errorResponses('400', '422'),
      },
    },
    get: {
      operationId: 'listSubscriptions',
      summary: 'List subscriptions',
      tags: ['Subscriptions'],
      security: tenantOnly,
      parameters: pageParams,
      responses: {
        '200': jsonResponse('A page of subscriptions.', pageOf(ref('Subscription'))),
        ...errorResponses('422'),
      },
    },
  },
  '/v1/subscriptions/{id}': {
    get: {
      operationId: 'getSubscription',
      summary: 'Get a subscription',
      tags: ['Subscriptions'],
      security: tenantOnly,
      parameters: [pathParam('id', 'Subscription id.')],
      responses: {
        '200': jsonResponse('The subscription.', ref('Subscription')),
        ...errorResponses('404'),
      },
    },
    patch: {
      operationId: 'updateSubscription',
      summary: 'Change a subscription (only the fields given; destination is replaced whole)',
      tags: ['Subscriptions'],
      security: tenantOnly,
      parameters: [pathParam('id', 'Subscription id.')],
      requestBody: jsonBody({
        type: 'object',
        additionalProperties: false,
        properties: {
          ...subscriptionFields,
          destination: {
            oneOf: [ref('Destination'), { type: 'null' }],
            description: 'Null keeps it.',
          },
        },
      }),
      responses: {
        '200': jsonResponse('The subscription.', ref('Subscription')),
        ...errorResponses('400', '404', '422'),
      },
    },
    delete: {
      operationId: 'deleteSubscription',
      summary: 'Delete a subscription (its history stays)',
      tags: ['Subscriptions'],
      security: tenantOnly,
      parameters: [pathParam('id', 'Subscription id.')],
      responses: { '204': jsonResponse('Deleted.'), ...errorResponses('404') },
    },
  },
  '/v1/subscriptions/{id}/secret': {
    get: {
      operationId: 'getSubscriptionSecret',
      summary: 'Reveal the signing secret',
      tags: ['Subscriptions'],
      security: tenantOnly,
      parameters: [pathParam('id', 'Subscription id.')],
      responses: {
        '200': jsonResponse('The current signing secret.', {
          type: 'object',
          required: ['secret'],
          properties: { secret: { type: 'string', example: 'whsec_…' } },
        }),
        ...errorResponses('404'),
      },
    },
  },
  '/v1/subscriptions/{id}/secret/rotate': {
    post: {
      operationId: 'rotateSubscriptionSecret',
      summary: 'Rotate the signing secret; the old one keeps signing during the overlap',
      tags: ['Subscriptions'],
      security: tenantOnly,
      parameters: [pathParam('id', 'Subscription id.')],
      requestBody: {
        required: false,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              additionalProperties: false,
              properties: {
                overlap_seconds: {
                  type: ['integer', 'null'],
                  minimum: 0,
                  maximum: 604800,
                  default: 86400,
                  description: 'Null or left out: the default.',
                },
              },
            },
          },
        },
      },
      responses: {
        '200': jsonResponse('The new secret and when the previous one stops signing.', {
          type: 'object',
          required: ['secret', 'previous_secret_expires_at'],
          properties: {
            secret: { type: 'string' },
            previous_secret_expires_at: { type: 'string', format: 'date-time' },
          },
        }),
        ...errorResponses('404', '422'),
      },
    },
  },
};
