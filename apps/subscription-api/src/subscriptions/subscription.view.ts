import type { Destination, Subscription } from '@herald/domain';

/** What a secret value shows as in every answer. */
export const MASK = '********';

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
  max_in_flight: subscription.maxInFlight,
  transformation: subscription.transformation,
  metadata: subscription.metadata,
  status: subscription.status,
  disabled_reason: subscription.disabledReason,
  failing_since: subscription.failingSince,
  created_at: subscription.createdAt,
  updated_at: subscription.updatedAt,
});

export type SubscriptionView = ReturnType<typeof presentSubscription>;
