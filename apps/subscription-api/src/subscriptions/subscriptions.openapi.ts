import {
  DESTINATION_KINDS,
  DESTINATION_TYPES,
  EVENT_TYPE_GLOB,
  type DestinationType,
} from '@herald/domain';
import {
  errorResponses,
  jsonBody,
  jsonResponse,
  pageOf,
  pageParams,
  pathParam,
  ref,
  tenantOnly,
  type Paths,
  type Schema,
} from '../common/openapi-builder';
import { transformationSchema } from '../common/field-schemas';
import { FIELD_PATH } from './subscription-input';

/** `sqs` → `SqsDestination`, `oauth2_webhook` → `Oauth2WebhookDestination`. */
const destinationSchemaName = (type: DestinationType): string =>
  `${type.replace(/(^|_)([a-z0-9])/g, (_, __: string, c: string) => c.toUpperCase())}Destination`;

/** Each kind's own schema, as its folder in the domain describes it. */
const destinationSchemas: Record<string, Schema> = Object.fromEntries(
  DESTINATION_TYPES.map((type) => [
    destinationSchemaName(type),
    DESTINATION_KINDS[type].openApiSchema,
  ]),
);

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
  ...destinationSchemas,
  Destination: {
    oneOf: DESTINATION_TYPES.map((type) => ref(destinationSchemaName(type))),
    discriminator: {
      propertyName: 'type',
      mapping: Object.fromEntries(
        DESTINATION_TYPES.map((type) => [
          type,
          `#/components/schemas/${destinationSchemaName(type)}`,
        ]),
      ),
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
