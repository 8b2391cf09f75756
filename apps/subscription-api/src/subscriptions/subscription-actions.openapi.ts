import {
  errorResponses,
  jsonBody,
  jsonResponse,
  pathParam,
  ref,
  tenantOnly,
  type Paths,
  type Schema,
} from '../common/openapi-builder';
import { PreviewRequestSchema } from '../common/preview.schema';
import {
  PreviewedEventSchema,
  RecoverBody,
  RecoverResultSchema,
  SubscriptionPreviewSchema,
  TestDeliveryBody,
  TestDeliveryResultSchema,
} from './subscription-actions.schema';

export const subscriptionActionSchemas: Record<string, Schema> = {
  PreviewRequest: PreviewRequestSchema,
  PreviewedEvent: PreviewedEventSchema,
  SubscriptionPreview: SubscriptionPreviewSchema,
  TestDeliveryRequest: TestDeliveryBody,
  TestDeliveryResult: TestDeliveryResultSchema,
  RecoverRequest: RecoverBody,
  RecoverResult: RecoverResultSchema,
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
