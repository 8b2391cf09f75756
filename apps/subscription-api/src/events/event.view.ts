import type { Delivery, HeraldEvent } from '@herald/domain';
import type { EventFailure, EventSummary } from '@herald/persistence';

/** A list item: no `data`, like Svix and Stripe lists; `GET /v1/events/{id}` has it. */
export const presentEventSummary = (event: EventSummary) => ({
  id: event.id,
  type: event.type,
  occurred_at: event.occurredAt,
  received_at: event.receivedAt,
  subject: event.subject,
  changed_fields: event.changedFields,
});

export const presentEventDelivery = (delivery: Delivery) => ({
  id: delivery.id,
  webhook_id: delivery.messageId,
  subscription_id: delivery.subscriptionId,
  origin: delivery.origin,
  status: delivery.status,
  attempts: delivery.attempts,
  next_attempt_at: delivery.nextAttemptAt,
  last_attempt_at: delivery.lastAttemptAt,
  created_at: delivery.createdAt,
});

export const presentEvent = (
  event: HeraldEvent,
  deliveries: readonly Delivery[],
  failure: EventFailure | null,
) => ({
  ...presentEventSummary(event),
  data: event.data,
  deliveries: deliveries.map(presentEventDelivery),
  failure: failure
    ? { code: failure.code, message: failure.message, failed_at: failure.failedAt }
    : null,
});

export type EventSummaryView = ReturnType<typeof presentEventSummary>;
export type EventDeliveryView = ReturnType<typeof presentEventDelivery>;
export type EventView = ReturnType<typeof presentEvent>;
