import {
  errorResponses,
  historyNotFound,
  jsonResponse,
  pageOf,
  pathParam,
  ref,
  tenantOnly,
  type Paths,
  type Schema,
} from '../common/openapi-builder';
import { queryParameters } from '../common/query-schema';
import { DeliveryListQuery } from './delivery-list-query';
import {
  DeliveryAttemptSchema,
  DeliveryDetailSchema,
  deliveryFields,
  DeliverySchema,
} from './delivery.schema';

export const deliverySchemas: Record<string, Schema> = {
  Delivery: DeliverySchema,
  DeliveryAttempt: DeliveryAttemptSchema,
  DeliveryDetail: DeliveryDetailSchema,
};

const csvColumns = Object.keys(deliveryFields).join(',');

export const deliveryPaths: Paths = {
  '/v1/deliveries': {
    get: {
      operationId: 'listDeliveries',
      summary: 'List deliveries, newest first, or export them as CSV',
      tags: ['Deliveries'],
      security: tenantOnly,
      parameters: queryParameters(DeliveryListQuery),
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
        '404': historyNotFound,
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
        '404': historyNotFound,
      },
    },
  },
};
