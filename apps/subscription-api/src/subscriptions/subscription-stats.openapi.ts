import {
  errorResponses,
  jsonResponse,
  pathParam,
  queryParam,
  ref,
  tenantOnly,
  type Paths,
  type Schema,
} from '../common/openapi-builder';
import { STATS_WINDOWS } from './subscription-stats-window';

const count = (description: string): Schema => ({ type: 'integer', minimum: 0, description });
const percentile = (p: string): Schema => ({
  type: ['number', 'null'],
  minimum: 0,
  description: `The ${p} percentile in milliseconds; null without a successful delivery.`,
});

const countsProperties: Record<string, Schema> = {
  deliveries: count('Deliveries created in the bucket, whatever their status.'),
  succeeded: count('Of those, delivered (a 2xx, or accepted by the mail server or queue).'),
  retrying: count('Failed so far and waiting for their next attempt.'),
  pending: count('Not attempted yet.'),
  failed: count('Failed and not retried (older rows; failures now end as `retrying` or `dead`).'),
  dead: count('Dead-lettered: every attempt of the retry schedule failed.'),
  attempts: count('Attempts made for those deliveries, retries included.'),
  latency_ms: ref('DeliveryLatency'),
};
const countsRequired = Object.keys(countsProperties);

export const subscriptionStatsSchemas: Record<string, Schema> = {
  DeliveryLatency: {
    type: 'object',
    required: ['p50', 'p95', 'p99'],
    description:
      'Latency of the successful deliveries: from the delivery’s creation (the matcher records it ' +
      'as soon as ingest has accepted the event; a replay, retry or test when it is asked for) to ' +
      'the end of its successful attempt — queueing, retries and the receiver’s answer included.',
    properties: { p50: percentile('50th'), p95: percentile('95th'), p99: percentile('99th') },
  },
  SubscriptionStatsBucket: {
    type: 'object',
    required: ['start', ...countsRequired],
    properties: {
      start: {
        type: 'string',
        format: 'date-time',
        description: 'Start of the bucket (inclusive); it lasts `bucket_seconds`.',
      },
      ...countsProperties,
    },
  },
  SubscriptionStatsTotals: {
    type: 'object',
    required: countsRequired,
    properties: countsProperties,
  },
  SubscriptionStats: {
    type: 'object',
    required: [
      'subscription_id',
      'window',
      'bucket_seconds',
      'since',
      'until',
      'buckets',
      'totals',
    ],
    properties: {
      subscription_id: { type: 'string' },
      window: { type: 'string', enum: [...STATS_WINDOWS] },
      bucket_seconds: {
        type: 'integer',
        enum: [300, 3_600, 21_600, 86_400],
        description: '1h: 5 minutes; 24h: an hour; 7d: 6 hours; 30d: a day.',
      },
      since: {
        type: 'string',
        format: 'date-time',
        description: 'Start of the first bucket (inclusive).',
      },
      until: {
        type: 'string',
        format: 'date-time',
        description: 'End of the last bucket (exclusive), the one now is in.',
      },
      buckets: {
        type: 'array',
        items: ref('SubscriptionStatsBucket'),
        description: 'Every bucket of the window, oldest first, empty ones included.',
      },
      totals: ref('SubscriptionStatsTotals'),
    },
  },
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
      parameters: [
        pathParam('id', 'Subscription id.'),
        queryParam('window', 'How far back: the last hour, day, week or 30 days (default 24h).', {
          type: 'string',
          enum: [...STATS_WINDOWS],
          default: '24h',
        }),
      ],
      responses: {
        '200': jsonResponse('The buckets and the totals.', ref('SubscriptionStats')),
        ...errorResponses('404'),
      },
    },
  },
};
