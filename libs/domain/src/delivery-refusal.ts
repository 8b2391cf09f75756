import type { SubscriptionStatus } from './subscription';
import { SUBSCRIPTION_DISABLED } from './subscription-health';

/** The failure of a delivery whose subscription was deleted. */
export const SUBSCRIPTION_GONE = 'subscription no longer exists';

/** What decides whether a subscription's deliveries may still be sent. */
export interface SubscriptionLiveness {
  enabled: boolean;
  status: SubscriptionStatus;
  deleted: boolean;
}

/**
 * Why a subscription's pending deliveries are dead-lettered without a call — deleted (or not found:
 * null), paused by the tenant, or disabled by Herald — or null when they may be sent.
 */
export function refusalOf(subscription: SubscriptionLiveness | null): string | null {
  if (subscription === null || subscription.deleted) return SUBSCRIPTION_GONE;
  if (!subscription.enabled || subscription.status === 'disabled') return SUBSCRIPTION_DISABLED;
  return null;
}

/** A failure message that says the subscription refused the delivery, not that its endpoint failed. */
export function isRefusal(message: string): boolean {
  return message === SUBSCRIPTION_GONE || message === SUBSCRIPTION_DISABLED;
}
