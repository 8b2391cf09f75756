import type { Static } from '@sinclair/typebox';
import { presentDestination, type Subscription } from '@herald/domain';
import type { SubscriptionSchema } from './subscription.schema';

export type SubscriptionView = Static<typeof SubscriptionSchema>;

export const presentSubscription = (subscription: Subscription): SubscriptionView => ({
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
  max_in_flight: subscription.maxInFlight,
  transformation: subscription.transformation,
  metadata: subscription.metadata,
  status: subscription.status,
  disabled_reason: subscription.disabledReason,
  failing_since: subscription.failingSince,
  created_at: subscription.createdAt,
  updated_at: subscription.updatedAt,
});
