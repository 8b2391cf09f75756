import { Injectable } from '@nestjs/common';
import { SubscriptionStatsRepository, type StatsCounts } from '@herald/persistence';
import { notFound } from '../errors/api-error';
import { statsRange, type StatsWindow } from './subscription-stats-window';

export interface StatsCountsView {
  deliveries: number;
  succeeded: number;
  retrying: number;
  pending: number;
  failed: number;
  dead: number;
  attempts: number;
  latency_ms: { p50: number | null; p95: number | null; p99: number | null };
}

export interface SubscriptionStatsView {
  subscription_id: string;
  window: StatsWindow;
  bucket_seconds: number;
  since: string;
  until: string;
  buckets: (StatsCountsView & { start: string })[];
  totals: StatsCountsView;
}

const countsView = (counts: StatsCounts): StatsCountsView => ({
  deliveries: counts.deliveries,
  succeeded: counts.succeeded,
  retrying: counts.retrying,
  pending: counts.pending,
  failed: counts.failed,
  dead: counts.dead,
  attempts: counts.attempts,
  latency_ms: counts.latencyMs,
});

/** A subscription's deliveries by outcome and latency over a window; REST and gRPC call this. */
@Injectable()
export class SubscriptionStatsService {
  constructor(private readonly stats: SubscriptionStatsRepository) {}

  async get(
    tenantId: string,
    id: string,
    window: StatsWindow,
    now: Date = new Date(),
  ): Promise<SubscriptionStatsView> {
    const range = statsRange(window, now);
    const stats = await this.stats.forSubscription(tenantId, id, range);
    if (!stats) throw notFound('subscription', id);
    return {
      subscription_id: id,
      window,
      bucket_seconds: range.bucketSeconds,
      since: range.since.toISOString(),
      until: range.until.toISOString(),
      buckets: stats.buckets.map(({ start, ...counts }) => ({ start, ...countsView(counts) })),
      totals: countsView(stats.totals),
    };
  }
}
