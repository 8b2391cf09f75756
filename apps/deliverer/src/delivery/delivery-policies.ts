import { Injectable } from '@nestjs/common';
import {
  refusalOf,
  type Destination,
  type Ordering,
  type SubscriptionLiveness,
} from '@herald/domain';
import { SubscriptionsRepository } from '@herald/persistence';

/** Liveness (enabled, status, deleted) says whether its deliveries may still be sent at all. */
export interface DeliveryPolicy extends SubscriptionLiveness {
  ordering: Ordering;
  rateLimitPerSecond: number | null;
  /** Best-effort deliveries in flight at once; null for the default. */
  maxInFlight: number | null;
  /** An SQS FIFO queue: it keeps the order it is sent in, so it is sent one at a time. */
  fifo: boolean;
  /** For metrics: deliveries are counted by destination type. */
  destinationType: Destination['type'];
  /** A strict hold is in place; a subscription no longer strict releases it. */
  held: boolean;
}

const FRESH_MS = 2_000;
const MAX_ENTRIES = 50_000;

/**
 * A subscription's ordering, rate limit, destination type and liveness, read from PostgreSQL and kept
 * for two seconds, so a change (a pause, a disable, a delete) takes effect within that and a busy
 * subscription costs one query per two seconds. Null when there is no such subscription.
 */
@Injectable()
export class DeliveryPolicies {
  private readonly cache = new Map<string, { policy: DeliveryPolicy | null; at: number }>();

  constructor(private readonly subscriptions: SubscriptionsRepository) {}

  /**
   * A paused or disabled subscription's policy is read afresh every time rather than trusted from the
   * cache: its deliveries are refused only on what PostgreSQL says now, so re-enabling it takes effect
   * at once. Deleted is final and is kept like any other policy.
   */
  async get(tenantId: string, subscriptionId: string): Promise<DeliveryPolicy | null> {
    const cached = this.cache.get(subscriptionId);
    if (cached && Date.now() - cached.at < FRESH_MS && !undoable(cached.policy)) {
      return cached.policy;
    }
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

/** Refused for a reason the tenant or an operator can take back (paused, disabled). */
function undoable(policy: DeliveryPolicy | null): boolean {
  return policy !== null && !policy.deleted && refusalOf(policy) !== null;
}
