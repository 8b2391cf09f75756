import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import type { Destination, Subscription } from '@herald/domain';
import { SubscriptionsRepository } from '@herald/persistence';
import { Allow, TenantId } from '../auth/principal';
import { pageRequest, pageResponse, type ListQuery } from '../common/pagination';
import { notFound } from '../errors/api-error';
import { readNewSubscription } from './subscription-input';

const MASK = '********';

function presentDestination(destination: Destination) {
  switch (destination.type) {
    case 'webhook':
      return {
        type: destination.type,
        url: destination.url,
        headers: Object.fromEntries(Object.keys(destination.headers).map((name) => [name, MASK])),
      };
    case 'email':
      return { type: destination.type, to: destination.to };
    case 'sqs':
      return {
        type: destination.type,
        region: destination.region,
        queue_name: destination.queueName,
        queue_url: destination.queueUrl,
        access_key_id: destination.accessKeyId,
        secret_access_key: destination.secretAccessKey ? MASK : null,
        endpoint_url: destination.endpointUrl,
      };
  }
}

export const presentSubscription = (subscription: Subscription) => ({
  id: subscription.id,
  description: subscription.description,
  enabled: subscription.enabled,
  debug: subscription.debug,
  event_types: subscription.eventTypes,
  destination: presentDestination(subscription.destination),
  filter: subscription.filter,
  trigger_fields: subscription.triggerFields,
  payload_fields: subscription.payloadFields,
  ordering: subscription.ordering,
  rate_limit_per_second: subscription.rateLimitPerSecond,
  status: subscription.status,
  disabled_reason: subscription.disabledReason,
  created_at: subscription.createdAt,
  updated_at: subscription.updatedAt,
});

/** Tenant routes: a tenant's subscriptions; every query is scoped by the caller's tenant. */
@Controller('v1/subscriptions')
@Allow('tenant')
export class SubscriptionsController {
  constructor(private readonly subscriptions: SubscriptionsRepository) {}

  /** The signing secret is in this response, and later only from `GET …/{id}/secret`. */
  @Post()
  @HttpCode(201)
  async create(@TenantId() tenantId: string, @Body() body: unknown) {
    const { subscription, secret } = await this.subscriptions.create(
      tenantId,
      readNewSubscription(body),
    );
    return { ...presentSubscription(subscription), secret };
  }

  @Get()
  async list(@TenantId() tenantId: string, @Query() query: ListQuery) {
    return pageResponse(
      await this.subscriptions.list(tenantId, pageRequest(query)),
      presentSubscription,
    );
  }

  @Get(':id')
  async get(@TenantId() tenantId: string, @Param('id') id: string) {
    const subscription = await this.subscriptions.get(tenantId, id);
    if (!subscription) throw notFound('subscription', id);
    return presentSubscription(subscription);
  }
}
