import type { Destination } from './destinations';
import type { JsonObject } from './json';
import { matchesAnyEventType } from './event-type-glob';
import type { EventData, HeraldEvent } from './event';
import { projectPayload, shouldTrigger } from './field-paths';
import { matchesFilter } from './filter';

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
  /** Best-effort deliveries in flight at once; null for Herald's default (DEFAULT_MAX_IN_FLIGHT). */
  maxInFlight: number | null;
  /** A JSONata expression that shapes the delivered body; null for the event type's or the standard body. */
  transformation: string | null;
  /** The tenant's own JSON object (an account number, a hook id): its transformation reads it. */
  metadata: JsonObject;
  status: SubscriptionStatus;
  disabledReason: string | null;
  /** Since when its attempts have been failing without a success between; null: not failing. */
  failingSince: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What matching needs of a subscription; event-ingest's index keeps only this. */
export type MatchableSubscription = Pick<
  Subscription,
  | 'id'
  | 'tenantId'
  | 'enabled'
  | 'status'
  | 'eventTypes'
  | 'filter'
  | 'triggerFields'
  | 'payloadFields'
  | 'updatedAt'
>;

/** An event type's defaults for subscriptions that leave `trigger_fields` / `payload_fields` null. */
export interface EventTypeDefaults {
  triggerFields: string[] | null;
  payloadFields: string[] | null;
}

/**
 * Whether a subscription wants an event: same tenant, live, one of its type globs matches, its
 * filter holds, and one of its trigger fields changed.
 */
export function subscriptionMatches(
  subscription: MatchableSubscription,
  event: HeraldEvent,
  defaults: EventTypeDefaults | null = null,
): boolean {
  return (
    matchesAnyEventType(subscription.eventTypes, event.type) &&
    subscriptionAccepts(subscription, event, defaults)
  );
}

/** Everything `subscriptionMatches` checks but the event type, for callers that matched it already. */
export function subscriptionAccepts(
  subscription: MatchableSubscription,
  event: HeraldEvent,
  defaults: EventTypeDefaults | null = null,
): boolean {
  return (
    subscription.tenantId === event.tenantId &&
    subscription.enabled &&
    subscription.status === 'active' &&
    matchesFilter(subscription.filter, {
      subject: event.subject,
      type: event.type,
      data: event.data,
    }) &&
    shouldTrigger(subscription.triggerFields, defaults?.triggerFields ?? null, event.changedFields)
  );
}

export function matchSubscriptions<S extends MatchableSubscription>(
  subscriptions: Iterable<S>,
  event: HeraldEvent,
  defaults: EventTypeDefaults | null = null,
): S[] {
  const matched: S[] = [];
  for (const subscription of subscriptions) {
    if (subscriptionMatches(subscription, event, defaults)) matched.push(subscription);
  }
  return matched;
}

/** The part of the event's data this subscription receives. */
export function payloadFor(
  subscription: Pick<Subscription, 'payloadFields'>,
  event: HeraldEvent,
  defaults: EventTypeDefaults | null = null,
): EventData {
  return projectPayload(event.data, subscription.payloadFields, defaults?.payloadFields ?? null);
}

/**
 * Deliveries of one best-effort subscription in flight at once when it sets none: enough for a
 * receiver that answers in a few milliseconds to take thousands a second (by Little's law, 32 in
 * flight at 8 ms each is 4,000/s), few enough that a slow one ties up little.
 */
export const DEFAULT_MAX_IN_FLIGHT = 32;
/** The most a subscription may ask for: the HTTP client keeps at most 128 connections per origin. */
export const MAX_IN_FLIGHT_LIMIT = 128;
