import { Injectable } from '@nestjs/common';
import type { Destination, Ordering } from '@herald/domain';
import { SubscriptionsRepository } from '@herald/persistence';

export interface DeliveryPolicy {
  ordering: Ordering;
  rateLimitPerSecond: number | null;
  /** For metrics: deliveries are counted by destination type. */
  destinationType: Destination['type'];
  /** A strict hold is in place; a subscription no longer strict releases it. */
  held: boolean;
}

const FRESH_MS = 2_000;
const MAX_ENTRIES = 50_000;

/**
 * A subscription's ordering, rate limit and destination type, read from PostgreSQL and kept for two seconds, so a
 * change takes effect within that and a busy subscription costs one query per two seconds.
 */
@Injectable()
export class DeliveryPolicies {
  private readonly cache = new Map<string, { policy: DeliveryPolicy | null; at: number }>();

  constructor(private readonly subscriptions: SubscriptionsRepository) {}

  async get(tenantId: string, subscriptionId: string): Promise<DeliveryPolicy | null> {
    const cached = this.cache.get(subscriptionId);
    if (cached && Date.now() - cached.at < FRESH_MS) return cached.policy;
    const policy = await this.subscriptions.getDeliveryPolicy(tenantId, subscriptionId);
    this.cache.delete(subscriptionId);
    this.cache.set(subscriptionId, { policy, at: Date.now() });
    if (this.cache.size > MAX_ENTRIES) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    return policy;
  }

  /** Reads the policy afresh next time (after this deliverer changed it, e.g. released a hold). */
  forget(subscriptionId: string): void {
    this.cache.delete(subscriptionId);
  }

  /** The last policy read, without waiting; null when none was read yet. */
  known(subscriptionId: string): DeliveryPolicy | null {
    return this.cache.get(subscriptionId)?.policy ?? null;
  }
}
