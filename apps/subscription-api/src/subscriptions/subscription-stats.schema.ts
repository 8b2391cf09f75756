import { Type } from '@sinclair/typebox';
import { ref } from '../common/openapi-builder';
import { dateTime } from '../common/field-schemas';
import { queryWord } from '../common/query-schema';
import { Nullable } from '../common/request-schema';
import { STATS_WINDOWS, type StatsWindow } from './subscription-stats-window';

/** The shape of a subscription's delivery statistics on the wire: what it takes and answers. */

/** `GET /v1/subscriptions/{id}/stats` parameters. */
export const StatsQuery = Type.Object(
  {
    window: queryWord<StatsWindow>(STATS_WINDOWS, {
      default: '24h',
      description: 'How far back: the last hour, day, week or 30 days (default 24h).',
    }),
  },
  { additionalProperties: false },
);

const count = (description: string) => Type.Integer({ minimum: 0, description });
const percentile = (p: string) =>
  Nullable(
    Type.Number({
      minimum: 0,
      description: `The ${p} percentile in milliseconds; null without a successful delivery.`,
    }),
  );

const counts = {
  deliveries: count('Deliveries created in the bucket, whatever their status.'),
  succeeded: count('Of those, delivered (a 2xx, or accepted by the mail server or queue).'),
  retrying: count('Failed so far and waiting for their next attempt.'),
  pending: count('Not attempted yet.'),
  failed: count('Failed and not retried (older rows; failures now end as `retrying` or `dead`).'),
  dead: count('Dead-lettered: every attempt of the retry schedule failed.'),
  attempts: count('Attempts made for those deliveries, retries included.'),
  latency_ms: Type.Unsafe(ref('DeliveryLatency')),
};

export const DeliveryLatencySchema = Type.Object(
  { p50: percentile('50th'), p95: percentile('95th'), p99: percentile('99th') },
  {
    description:
      'Latency of the successful deliveries: from the delivery’s creation (event-ingest records it ' +
      'as soon as it has accepted the event; a replay, retry or test when it is asked for) to ' +
      'the end of its successful attempt — queueing, retries and the receiver’s answer included.',
  },
);

export const SubscriptionStatsBucketSchema = Type.Object({
  start: dateTime('Start of the bucket (inclusive); it lasts `bucket_seconds`.'),
  ...counts,
});

export const SubscriptionStatsTotalsSchema = Type.Object(counts);

export const SubscriptionStatsSchema = Type.Object({
  subscription_id: Type.String(),
  window: Type.Unsafe<StatsWindow>({ type: 'string', enum: STATS_WINDOWS }),
  bucket_seconds: Type.Unsafe<number>({
    type: 'integer',
    enum: [300, 3_600, 21_600, 86_400],
    description: '1h: 5 minutes; 24h: an hour; 7d: 6 hours; 30d: a day.',
  }),
  since: dateTime('Start of the first bucket (inclusive).'),
  until: dateTime('End of the last bucket (exclusive), the one now is in.'),
  buckets: Type.Array(Type.Unsafe(ref('SubscriptionStatsBucket')), {
    description: 'Every bucket of the window, oldest first, empty ones included.',
  }),
  totals: Type.Unsafe(ref('SubscriptionStatsTotals')),
});
