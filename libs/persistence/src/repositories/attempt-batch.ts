import type { DeliveryStatus } from '@herald/domain';

/** What one attempt changes on its delivery row. */
export interface AttemptEffect {
  tenantId: string;
  deliveryId: string;
  attempt: number;
  startedAt: Date;
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
}

/** The change a batch of attempts makes to one delivery row. */
export interface DeliveryUpdate {
  tenantId: string;
  deliveryId: string;
  /** The highest attempt number of the batch; the row keeps the higher of this and its own. */
  attempts: number;
  lastAttemptAt: Date;
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
}

/**
 * One update per delivery for a batch of attempts, with the same effect as recording them one by one
 * in queue order: the later attempt of a delivery sets its status and times, and the attempt count
 * only grows. (An UPDATE … FROM that joins a row twice applies an arbitrary one of the two.)
 */
export function deliveryUpdatesOf(records: readonly AttemptEffect[]): DeliveryUpdate[] {
  const byDelivery = new Map<string, DeliveryUpdate>();
  for (const record of records) {
    const key = `${record.tenantId}\u0000${record.deliveryId}`;
    const earlier = byDelivery.get(key);
    byDelivery.set(key, {
      tenantId: record.tenantId,
      deliveryId: record.deliveryId,
      attempts: Math.max(record.attempt, earlier?.attempts ?? 0),
      lastAttemptAt: record.startedAt,
      status: record.status,
      nextAttemptAt: record.nextAttemptAt,
    });
  }
  return [...byDelivery.values()];
}

/**
 * PostgreSQL text cannot hold NUL, nor half of a UTF-16 surrogate pair (rows travel as JSON, where
 * one is an escape PostgreSQL refuses): each becomes U+FFFD, so a receiver's binary answer or a body
 * cut mid-character never makes the write fail.
 */
export function storableText(text: string | null): string | null {
  return text === null ? null : text.replaceAll('\u0000', '\uFFFD').toWellFormed();
}
