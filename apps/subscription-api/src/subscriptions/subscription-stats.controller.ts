import { Controller, Get, Param, Query } from '@nestjs/common';
import { Allow, TenantId } from '../auth/principal';
import type { Query as QueryParameters } from '../common/query-schema';
import { readStatsQuery } from './subscription-stats-input';
import { SubscriptionStatsService } from './subscription-stats.service';

/** Tenant route: one subscription's delivery statistics (a read, so read-only sessions may too). */
@Controller('v1/subscriptions/:id/stats')
@Allow('tenant')
export class SubscriptionStatsController {
  constructor(private readonly stats: SubscriptionStatsService) {}

  @Get()
  get(@TenantId() tenantId: string, @Param('id') id: string, @Query() query: QueryParameters) {
    return this.stats.get(tenantId, id, readStatsQuery(query).window);
  }
}
