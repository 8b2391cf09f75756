import { DESTINATION_KINDS, DESTINATION_TYPES, type DestinationType } from '@herald/domain';
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
import { PageQuery, queryParameters } from '../common/query-schema';
import {
  CreatedSubscriptionSchema,
  NewSubscriptionBody,
  RotateSecretBody,
  SubscriptionChangesBody,
  SubscriptionSchema,
} from './subscription.schema';

/** `sqs` → `SqsDestination`, `oauth2_webhook` → `Oauth2WebhookDestination`. */
const destinationSchemaName = (type: DestinationType): string =>
  `${type.replace(/(^|_)([a-z0-9])/g, (_, __: string, c: string) => c.toUpperCase())}Destination`;

/** Each kind's own schema, as its folder in the domain describes it. */
const destinationSchemas: Record<string, Schema> = Object.fromEntries(
  DESTINATION_TYPES.map((type) => [destinationSchemaName(type), DESTINATION_KINDS[type].schema]),
);

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
  NewSubscription: NewSubscriptionBody,
  Subscription: SubscriptionSchema,
  CreatedSubscription: CreatedSubscriptionSchema,
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
      parameters: queryParameters(PageQuery),
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
      requestBody: jsonBody(SubscriptionChangesBody),
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
      requestBody: { ...jsonBody(RotateSecretBody), required: false },
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
