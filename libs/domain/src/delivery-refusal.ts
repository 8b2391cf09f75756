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

/** Why a subscription's pending deliveries are dead-lettered without a call. */
export type Refusal = 'deleted' | 'disabled';

/** What a refusal says in the attempt history and the dead letters, which tenants read. */
export const REFUSAL_MESSAGES: Record<Refusal, string> = {
  deleted: SUBSCRIPTION_GONE,
  disabled: SUBSCRIPTION_DISABLED,
};

/**
 * Whether a subscription refuses its pending deliveries — deleted (or not found: null), or disabled:
 * paused by the tenant or disabled by Herald — or null when they may be sent.
 */
export function whyRefused(subscription: SubscriptionLiveness | null): Refusal | null {
  if (subscription === null || subscription.deleted) return 'deleted';
  if (!subscription.enabled || subscription.status === 'disabled') return 'disabled';
  return null;
}
