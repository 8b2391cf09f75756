import { Injectable } from '@nestjs/common';
import {
  OutboxRelay,
  SubscriptionChanges,
  SubscriptionsRepository,
  type NewSubscription,
  type PageRequest,
} from '@herald/persistence';
import { notFound } from '../errors/api-error';
import { pageResponse } from '../common/pagination';
import { presentSubscription, type SubscriptionView } from './subscription.view';
import type { SubscriptionPatch } from './subscription-input';

/** How long the previous signing secret keeps signing after a rotation (Svix also uses a day). */
const DEFAULT_ROTATION_OVERLAP_MS = 24 * 3_600_000;

/** Subscriptions of one tenant; the REST and gRPC transports both call this. */
@Injectable()
export class SubscriptionsService {
  constructor(
    private readonly subscriptions: SubscriptionsRepository,
    private readonly changes: SubscriptionChanges,
    private readonly outbox: OutboxRelay,
  ) {}

  async create(
    tenantId: string,
    input: NewSubscription,
  ): Promise<SubscriptionView & { secret: string }> {
    const { subscription, secret } = await this.changes.create(tenantId, input);
    await this.outbox.publishSoon();
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

  async update(tenantId: string, id: string, patch: SubscriptionPatch): Promise<SubscriptionView> {
    const subscription = await this.changes.update(tenantId, id, patch);
    if (!subscription) throw notFound('subscription', id);
    await this.outbox.publishSoon();
    return presentSubscription(subscription);
  }

  async delete(tenantId: string, id: string): Promise<void> {
    if (!(await this.changes.delete(tenantId, id))) throw notFound('subscription', id);
    await this.outbox.publishSoon();
  }

  async secret(tenantId: string, id: string): Promise<{ secret: string }> {
    const secret = await this.subscriptions.getSigningSecret(tenantId, id);
    if (secret === null) throw notFound('subscription', id);
    return { secret };
  }

  async rotateSecret(
    tenantId: string,
    id: string,
    overlapMs: number = DEFAULT_ROTATION_OVERLAP_MS,
  ): Promise<{ secret: string; previous_secret_expires_at: string }> {
    const rotated = await this.changes.rotateSigningSecret(tenantId, id, overlapMs);
    if (!rotated) throw notFound('subscription', id);
    await this.outbox.publishSoon();
    return { secret: rotated.secret, previous_secret_expires_at: rotated.previousExpiresAt };
  }
}
