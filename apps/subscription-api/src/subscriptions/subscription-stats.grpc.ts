import { Controller } from '@nestjs/common';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { Allow, TenantId } from '../auth/principal';
import { GrpcField } from '../grpc/grpc-field';
import { restQuery } from '../grpc/grpc-mapping';
import { readStatsQuery } from './subscription-stats-input';
import { SubscriptionStatsService, type StatsCountsView } from './subscription-stats.service';

/** proto3 `optional double`: a percentile of no successful delivery is absent rather than null. */
function grpcCounts<T extends StatsCountsView>(counts: T): T {
  const latency = Object.fromEntries(
    Object.entries(counts.latency_ms).filter(([, value]) => value !== null),
  ) as StatsCountsView['latency_ms'];
  return { ...counts, latency_ms: latency };
}

/** `herald.admin.v1.AdminService` GetSubscriptionStats; the same service as REST. */
@Controller()
@Allow('tenant')
export class SubscriptionStatsGrpcController {
  constructor(private readonly stats: SubscriptionStatsService) {}

  @GrpcMethod('AdminService', 'GetSubscriptionStats')
  async get(
    @GrpcField('id') id: string,
    @Payload() request: { id?: string; window?: string },
    @TenantId() tenantId: string,
  ) {
    const { window } = readStatsQuery(restQuery({ window: request.window }));
    const stats = await this.stats.get(tenantId, id, window);
    return { ...stats, buckets: stats.buckets.map(grpcCounts), totals: grpcCounts(stats.totals) };
  }
}
