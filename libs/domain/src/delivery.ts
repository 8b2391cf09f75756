export const DELIVERY_STATUSES = ['pending', 'succeeded', 'retrying', 'failed', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export const DELIVERY_ORIGINS = ['event', 'replay', 'test', 'retry'] as const;
export type DeliveryOrigin = (typeof DELIVERY_ORIGINS)[number];

export interface Delivery {
  id: string;
  /**
   * The `webhook-id` it is sent with: its own id, or for a retry or redrive the id of the delivery it
   * resends (a resent message keeps its id, so receivers de-duplicate it).
   */
  messageId: string;
  tenantId: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  origin: DeliveryOrigin;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Why an attempt failed, which decides what happens next. */
export type FailureClass = 'retryable' | 'permanent' | 'ours';

export interface Attempt {
  id: string;
  deliveryId: string;
  tenantId: string;
  subscriptionId: string;
  attempt: number;
  startedAt: string;
  durationMs: number;
  outcome: 'succeeded' | 'failed';
  statusCode: number | null;
  errorClass: FailureClass | null;
  errorMessage: string | null;
  responseExcerpt: string | null;
  /** The request body as sent; recorded only while the subscription has `debug` on. */
  requestBody: string | null;
}
