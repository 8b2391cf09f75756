import type { Delivery, HeraldEvent } from '@herald/domain';
import type { EventFailure, EventSummary } from '@herald/persistence';
import type { Static } from '@sinclair/typebox';
import type { EventDeliverySchema, EventSchema, EventSummarySchema } from './event.schema';

export type EventSummaryView = Static<typeof EventSummarySchema>;
export type EventDeliveryView = Static<typeof EventDeliverySchema>;
export type EventView = Static<typeof EventSchema>;

/** A list item: no `data`, like Svix and Stripe lists; `GET /v1/events/{id}` has it. */
export const presentEventSummary = (event: EventSummary): EventSummaryView => ({
  id: event.id,
  type: event.type,
  occurred_at: event.occurredAt,
  received_at: event.receivedAt,
  subject: event.subject,
  changed_fields: event.changedFields,
});

export const presentEventDelivery = (delivery: Delivery): EventDeliveryView => ({
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
): EventView => ({
  ...presentEventSummary(event),
  data: event.data,
  deliveries: deliveries.map(presentEventDelivery),
  failure: failure
    ? { code: failure.code, message: failure.message, failed_at: failure.failedAt }
    : null,
});
