import type { HeraldEvent } from './event';
import type { JsonObject } from './json';

/** The body every destination receives (webhook POST, SQS message, email attachment). */
export interface DeliveredBody {
  id: string;
  type: string;
  timestamp: string;
  subscription_id: string;
  delivery_id: string;
  data: JsonObject;
}

export function buildDeliveredBody(
  event: HeraldEvent,
  subscriptionId: string,
  deliveryId: string,
  data: JsonObject = event.data,
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
