import { type DataSource } from 'typeorm';
import { ulid, type DeliveryStatus } from '@herald/domain';

/** The deliveries of one subscription created in a window, bucketed by creation time. */
export interface StatsRange {
  /** Inclusive; a bucket boundary. */
  since: Date;
  /** Exclusive; `since` plus a whole number of buckets. */
  until: Date;
  bucketSeconds: number;
}

export type StatusCounts = Record<DeliveryStatus, number>;

export interface LatencyPercentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface StatsCounts extends StatusCounts {
  deliveries: number;
  attempts: number;
  latencyMs: LatencyPercentiles;
}

export interface StatsBucket extends StatsCounts {
  start: string;
}

export interface SubscriptionStats {
  buckets: StatsBucket[];
  totals: StatsCounts;
}

interface StatsRow {
  start: Date | null;
  deliveries: number;
  pending: number;
  succeeded: number;
  retrying: number;
  failed: number;
  dead: number;
  attempts: string;
  latency: (number | null)[] | null;
}

/**
 * Ids are ULIDs (`dlv_` and the creation time first), so a lower bound on the id keeps the scan on
 * the existing `(tenant_id, subscription_id, id)` index: no index on `created_at` to pay for on
 * every delivery written. The margin covers a clock difference between a service and PostgreSQL,
 * whose `now()` sets `created_at`; `created_at` itself decides the bucket.
 */
const ID_CLOCK_MARGIN_MS = 5 * 60_000;

const round = (value: number | null | undefined): number | null =>
  value === null || value === undefined ? null : Math.round(value * 10) / 10;

function countsOf(row: StatsRow): StatsCounts {
  return {
    deliveries: row.deliveries,
    pending: row.pending,
    succeeded: row.succeeded,
    retrying: row.retrying,
    failed: row.failed,
    dead: row.dead,
    attempts: Number(row.attempts),
    latencyMs: {
      p50: round(row.latency?.[0]),
      p95: round(row.latency?.[1]),
      p99: round(row.latency?.[2]),
    },
  };
}

export class SubscriptionStatsRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * One statement: every bucket of the range (empty ones too) and the totals, by the deliveries'
   * current status; latency is from a delivery's creation to the end of its successful attempt.
   * Null when the tenant has no such subscription.
   */
  async forSubscription(
    tenantId: string,
    subscriptionId: string,
    range: StatsRange,
  ): Promise<SubscriptionStats | null> {
    const lowestId = `dlv_${ulid(range.since.getTime() - ID_CLOCK_MARGIN_MS, Buffer.alloc(10))}`;
    const rows: StatsRow[] = await this.db.query(
      `WITH subscription AS (
         SELECT id FROM subscriptions WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL
       ),
       delivery AS (
         SELECT date_bin($5::interval, d.created_at, $3::timestamptz) AS start, d.status, d.attempts,
                EXTRACT(EPOCH FROM (success.finished_at - d.created_at)) * 1000 AS latency_ms
           FROM deliveries d
           LEFT JOIN LATERAL (
             SELECT a.started_at + a.duration_ms * interval '1 millisecond' AS finished_at
               FROM attempts a
              WHERE d.status = 'succeeded' AND a.delivery_id = d.id AND a.outcome = 'succeeded'
              ORDER BY a.attempt
              LIMIT 1
           ) success ON true
          WHERE d.tenant_id = $1 AND d.subscription_id = $2 AND d.id >= $6
            AND d.created_at >= $3 AND d.created_at < $4
       )
       SELECT b.start,
              count(d.status)::int AS deliveries,
              count(*) FILTER (WHERE d.status = 'pending')::int AS pending,
              count(*) FILTER (WHERE d.status = 'succeeded')::int AS succeeded,
              count(*) FILTER (WHERE d.status = 'retrying')::int AS retrying,
              count(*) FILTER (WHERE d.status = 'failed')::int AS failed,
              count(*) FILTER (WHERE d.status = 'dead')::int AS dead,
              coalesce(sum(d.attempts), 0) AS attempts,
              percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY d.latency_ms) AS latency
         FROM subscription
        CROSS JOIN generate_series($3::timestamptz, $4::timestamptz - $5::interval, $5::interval) AS b(start)
         LEFT JOIN delivery d ON d.start = b.start
        GROUP BY GROUPING SETS ((b.start), ())
        ORDER BY b.start NULLS LAST`,
      [
        tenantId,
        subscriptionId,
        range.since,
        range.until,
        `${range.bucketSeconds} seconds`,
        lowestId,
      ],
    );
    const buckets = rows.filter((row) => row.start !== null);
    const totals = rows.find((row) => row.start === null);
    if (buckets.length === 0 || !totals) return null;
    return {
      buckets: buckets.map((row) => ({
        start: (row.start as Date).toISOString(),
        ...countsOf(row),
      })),
      totals: countsOf(totals),
    };
  }
}
