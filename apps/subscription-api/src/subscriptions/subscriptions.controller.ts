import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { Allow, TenantId } from '../auth/principal';
import { readPageQuery, type Query as QueryParameters } from '../common/query-schema';
import {
  readNewSubscription,
  readSecretOverlapMs,
  readSubscriptionPatch,
} from './subscription-input';
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
  list(@TenantId() tenantId: string, @Query() query: QueryParameters) {
    return this.subscriptions.list(tenantId, readPageQuery(query));
  }

  @Get(':id')
  get(@TenantId() tenantId: string, @Param('id') id: string) {
    return this.subscriptions.get(tenantId, id);
  }

  @Patch(':id')
  update(@TenantId() tenantId: string, @Param('id') id: string, @Body() body: unknown) {
    return this.subscriptions.update(tenantId, id, readSubscriptionPatch(body));
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@TenantId() tenantId: string, @Param('id') id: string): Promise<void> {
    await this.subscriptions.delete(tenantId, id);
  }

  @Get(':id/secret')
  secret(@TenantId() tenantId: string, @Param('id') id: string) {
    return this.subscriptions.secret(tenantId, id);
  }

  /** Body `{overlap_seconds?}`: how long the old secret keeps signing too (default a day, at most a week). */
  @Post(':id/secret/rotate')
  @HttpCode(200)
  rotateSecret(@TenantId() tenantId: string, @Param('id') id: string, @Body() body: unknown) {
    return this.subscriptions.rotateSecret(tenantId, id, readSecretOverlapMs(body));
  }
}
