import type { JsonObject } from './json';
import { matchesAnyEventType } from './event-type-glob';
import type { HeraldEvent } from './event';

export interface WebhookDestination {
  type: 'webhook';
  url: string;
  headers: Record<string, string>;
}

export interface EmailDestination {
  type: 'email';
  to: string[];
}

export interface SqsDestination {
  type: 'sqs';
  region: string;
  queueName: string | null;
  queueUrl: string | null;
  accessKeyId: string | null;
  secretAccessKey: string | null;
  endpointUrl: string | null;
}

export type Destination = WebhookDestination | EmailDestination | SqsDestination;
export type DestinationType = Destination['type'];

export type Ordering = 'best_effort' | 'strict';
export type SubscriptionStatus = 'active' | 'disabled';

export interface Subscription {
  id: string;
  tenantId: string;
  description: string;
  enabled: boolean;
  debug: boolean;
  eventTypes: string[];
  destination: Destination;
  filter: JsonObject | null;
  triggerFields: string[] | null;
  payloadFields: string[] | null;
  ordering: Ordering;
  rateLimitPerSecond: number | null;
  status: SubscriptionStatus;
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Whether a subscription wants an event: same tenant, live, and one of its type globs matches. */
export function subscriptionMatches(subscription: Subscription, event: HeraldEvent): boolean {
  return (
    subscription.tenantId === event.tenantId &&
    subscription.enabled &&
    subscription.status === 'active' &&
    matchesAnyEventType(subscription.eventTypes, event.type)
  );
}

export function matchSubscriptions(
  subscriptions: Iterable<Subscription>,
  event: HeraldEvent,
): Subscription[] {
  const matched: Subscription[] = [];
  for (const subscription of subscriptions) {
    if (subscriptionMatches(subscription, event)) matched.push(subscription);
  }
  return matched;
}
