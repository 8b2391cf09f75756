import type { Attempt, Delivery } from '@herald/domain';
import type { DeliveryRecord } from '@herald/persistence';
import type { Static } from '@sinclair/typebox';
import type {
  DeliveryAttemptSchema,
  DeliveryDetailSchema,
  DeliverySchema,
} from './delivery.schema';

export type DeliveryView = Static<typeof DeliverySchema>;
export type AttemptView = Static<typeof DeliveryAttemptSchema>;
export type DeliveryDetailView = Static<typeof DeliveryDetailSchema>;

export const presentDelivery = (delivery: Delivery): DeliveryView => ({
  id: delivery.id,
  webhook_id: delivery.messageId,
  subscription_id: delivery.subscriptionId,
  event_id: delivery.eventId,
  event_type: delivery.eventType,
  origin: delivery.origin,
  status: delivery.status,
  attempts: delivery.attempts,
  next_attempt_at: delivery.nextAttemptAt,
  last_attempt_at: delivery.lastAttemptAt,
  created_at: delivery.createdAt,
  updated_at: delivery.updatedAt,
});

export const presentAttempt = (attempt: Attempt): AttemptView => ({
  attempt: attempt.attempt,
  started_at: attempt.startedAt,
  duration_ms: attempt.durationMs,
  outcome: attempt.outcome,
  status_code: attempt.statusCode,
  error_class: attempt.errorClass,
  error_message: attempt.errorMessage,
  response_excerpt: attempt.responseExcerpt,
  // Only attempts of a subscription with `debug` on have it.
  ...(attempt.requestBody === null ? {} : { request_body: attempt.requestBody }),
});

/** A delivery with its whole attempt history (the queue view), and when it was last sent again. */
export const presentDeliveryDetail = (
  delivery: DeliveryRecord,
  attempts: readonly Attempt[],
): DeliveryDetailView => ({
  ...presentDelivery(delivery),
  attempts: attempts.map(presentAttempt),
  redriven_at: delivery.redrivenAt,
});
