import {
  errorResponses,
  jsonResponse,
  pathParam,
  ref,
  tenantOnly,
  type Paths,
  type Schema,
} from '../common/openapi-builder';
import { queryParameters } from '../common/query-schema';
import {
  DeliveryLatencySchema,
  StatsQuery,
  SubscriptionStatsBucketSchema,
  SubscriptionStatsSchema,
  SubscriptionStatsTotalsSchema,
} from './subscription-stats.schema';

export const subscriptionStatsSchemas: Record<string, Schema> = {
  DeliveryLatency: DeliveryLatencySchema,
  SubscriptionStatsBucket: SubscriptionStatsBucketSchema,
  SubscriptionStatsTotals: SubscriptionStatsTotalsSchema,
  SubscriptionStats: SubscriptionStatsSchema,
};

export const subscriptionStatsPaths: Paths = {
  '/v1/subscriptions/{id}/stats': {
    get: {
      operationId: 'getSubscriptionStats',
      summary: 'Deliveries by outcome and their latency over time, for one subscription',
      description:
        'Computed from the delivery log: the deliveries created in each bucket by their current ' +
        'status, the attempts made for them, and the latency percentiles of the successful ones ' +
        '(from the delivery’s creation to the end of its successful attempt). Buckets are aligned ' +
        'on the Unix epoch (a day is a UTC day); the last one is in progress. Deliveries removed by ' +
        'retention are not counted.',
      tags: ['Subscriptions'],
      security: tenantOnly,
      parameters: [pathParam('id', 'Subscription id.'), ...queryParameters(StatsQuery)],
      responses: {
        '200': jsonResponse('The buckets and the totals.', ref('SubscriptionStats')),
        ...errorResponses('404'),
      },
    },
  },
};
