import type { EventData, HeraldEvent } from './event';

/** The body every destination receives (webhook POST, SQS message, email attachment). */
export interface DeliveredBody {
  id: string;
  type: string;
  timestamp: string;
  subscription_id: string;
  delivery_id: string;
  /** The event's data as the subscription's `payload_fields` project it: any JSON value but null. */
  data: EventData;
}

export function buildDeliveredBody(
  event: HeraldEvent,
  subscriptionId: string,
  deliveryId: string,
  data: EventData = event.data,
): DeliveredBody {
  return {
    id: event.id,
    type: event.type,
    timestamp: event.occurredAt,
    subscription_id: subscriptionId,
    delivery_id: deliveryId,
    data,
  };
}
