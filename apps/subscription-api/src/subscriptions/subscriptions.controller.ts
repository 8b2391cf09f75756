import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { Allow, TenantId } from '../auth/principal';
import { pageRequest, type ListQuery } from '../common/pagination';
import { readNewSubscription } from './subscription-input';
import { SubscriptionsService } from './subscriptions.service';

/** Tenant routes: a tenant's subscriptions; every query is scoped by the caller's tenant. */
@Controller('v1/subscriptions')
@Allow('tenant')
export class SubscriptionsController {
  constructor(private readonly subscriptions: SubscriptionsService) {}

  /** The signing secret is in this response, and later only from `GET …/{id}/secret`. */
  @Post()
  @HttpCode(201)
  create(@TenantId() tenantId: string, @Body() body: unknown) {
    return this.subscriptions.create(tenantId, readNewSubscription(body));
  }

  @Get()
  list(@TenantId() tenantId: string, @Query() query: ListQuery) {
    return this.subscriptions.list(tenantId, pageRequest(query));
  }

  @Get(':id')
  get(@TenantId() tenantId: string, @Param('id') id: string) {
    return this.subscriptions.get(tenantId, id);
  }
}
