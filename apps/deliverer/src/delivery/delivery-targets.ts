import { Inject, Injectable } from '@nestjs/common';
import { FreshCache, whyRefused } from '@herald/domain';
import {
  SecretsUnreadableError,
  SubscriptionsRepository,
  type DeliveryTarget,
  type DeliveryTargetReader,
} from '@herald/persistence';

const FRESH_MS = 2_000;
const MAX_ENTRIES = 50_000;

/**
 * What each subscription's deliveries need — ordering, rate limit, liveness, destination and
 * decrypted signing secrets — read from PostgreSQL in one query and kept for two seconds: a busy
 * subscription costs one query and one decryption per two seconds, not one per delivery (its
 * concurrent deliveries share the read when it is due), and a
 * change (a pause, a delete, a new URL, a rotated secret) still takes effect within the two seconds
 * the API promises. Null when there is no such subscription.
 */
@Injectable()
export class DeliveryTargets {
  private readonly cache = new FreshCache<DeliveryTarget | null>(FRESH_MS, MAX_ENTRIES);

  constructor(
    @Inject(SubscriptionsRepository) private readonly subscriptions: DeliveryTargetReader,
  ) {}

  /**
   * A paused or disabled subscription is read afresh every time rather than trusted from the cache:
   * its deliveries are refused only on what PostgreSQL says now, so re-enabling it takes effect at
   * once. Deleted is final and is kept like any other. A subscription whose secrets cannot be read is
   * read afresh too (an operator may fix the key meanwhile); `known` still has its policy.
   */
  get(tenantId: string, subscriptionId: string): Promise<DeliveryTarget | null> {
    return this.cache.load(
      subscriptionId,
      () => this.subscriptions.getDeliveryTarget(tenantId, subscriptionId),
      trusted,
    );
  }

  /**
   * The target `get` would give without reading, or undefined when it would read: a busy
   * subscription's deliveries take it without a promise each.
   */
  cached(subscriptionId: string): DeliveryTarget | null | undefined {
    return this.cache.usable(subscriptionId, trusted);
  }

  /** Reads the subscription afresh next time (it changed, or this deliverer changed it). */
  forget(subscriptionId: string): void {
    this.cache.delete(subscriptionId);
  }

  /** The last target read, without waiting; null when none was read yet. */
  known(subscriptionId: string): DeliveryTarget | null {
    return this.cache.last(subscriptionId) ?? null;
  }
}

/**
 * Deleted (or not found) is final; else only a live subscription whose secrets open is trusted —
 * not one refused for a reason the tenant or an operator can take back (paused, disabled).
 */
function trusted(target: DeliveryTarget | null): boolean {
  if (target === null || target.deleted) return true;
  return whyRefused(target) === null && !(target.opened instanceof SecretsUnreadableError);
}
