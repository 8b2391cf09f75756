import { Injectable } from '@nestjs/common';
import { SubscriptionsRepository } from '@herald/persistence';

export type SubscriptionForDelivery = Awaited<
  ReturnType<SubscriptionsRepository['getForDelivery']>
>;

const FRESH_MS = 2_000;
const MAX_ENTRIES = 50_000;

/**
 * Each subscription's destination and decrypted signing secrets, read from PostgreSQL and kept for
 * two seconds: a busy subscription costs one query and one decryption per two seconds, not one per
 * delivery, and a change (a new URL, a rotated secret) still takes effect within the two seconds
 * the API promises. A subscription whose secrets cannot be read is not kept.
 */
@Injectable()
export class DeliverySubscriptions {
  private readonly cache = new Map<string, { found: SubscriptionForDelivery; at: number }>();

  constructor(private readonly subscriptions: SubscriptionsRepository) {}

  async get(tenantId: string, subscriptionId: string): Promise<SubscriptionForDelivery> {
    const cached = this.cache.get(subscriptionId);
    if (cached && Date.now() - cached.at < FRESH_MS) return cached.found;
    const found = await this.subscriptions.getForDelivery(tenantId, subscriptionId);
    this.cache.delete(subscriptionId);
    this.cache.set(subscriptionId, { found, at: Date.now() });
    if (this.cache.size > MAX_ENTRIES) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    return found;
  }

  /** Reads the subscription afresh next time. */
  forget(subscriptionId: string): void {
    this.cache.delete(subscriptionId);
  }
}
