import { Injectable } from '@nestjs/common';
import {
  SubscriptionsRepository,
  type NewSubscription,
  type PageRequest,
} from '@herald/persistence';
import { notFound } from '../errors/api-error';
import { pageResponse } from '../common/pagination';
import { presentSubscription, type SubscriptionView } from './subscription.view';

/** Subscriptions of one tenant; the REST and gRPC transports both call this. */
@Injectable()
export class SubscriptionsService {
  constructor(private readonly subscriptions: SubscriptionsRepository) {}

  async create(
    tenantId: string,
    input: NewSubscription,
  ): Promise<SubscriptionView & { secret: string }> {
    const { subscription, secret } = await this.subscriptions.create(tenantId, input);
    return { ...presentSubscription(subscription), secret };
  }

  async list(tenantId: string, page: PageRequest) {
    return pageResponse(await this.subscriptions.list(tenantId, page), presentSubscription);
  }

  async get(tenantId: string, id: string): Promise<SubscriptionView> {
    const subscription = await this.subscriptions.get(tenantId, id);
    if (!subscription) throw notFound('subscription', id);
    return presentSubscription(subscription);
  }
}
