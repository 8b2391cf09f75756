import { isUtf8 } from 'node:buffer';
import {
  buildDeliveredBody,
  type DeliveredBody,
  type Delivery,
  type EventData,
  type HeraldEvent,
  type JsonObject,
  type Subscription,
} from '@herald/domain';
import { checkFields, decodeJsonObject, type DecodeResult } from './decode';
import type { DeadLetterCode } from './reason-codes';

/** `herald.events.accepted`: an event ingest has stored, keyed by tenant so a tenant's events stay in order. */
export interface AcceptedEventMessage {
  id: string;
  tenant_id: string;
  type: string;
  occurred_at: string;
  received_at: string;
  subject: string | null;
  changed_fields: string[] | null;
  data: EventData;
}

export function toAcceptedEventMessage(event: HeraldEvent): AcceptedEventMessage {
  return {
    id: event.id,
    tenant_id: event.tenantId,
    type: event.type,
    occurred_at: event.occurredAt,
    received_at: event.receivedAt,
    subject: event.subject,
    changed_fields: event.changedFields,
    data: event.data,
  };
}

export function fromAcceptedEventMessage(message: AcceptedEventMessage): HeraldEvent {
  return {
    id: message.id,
    tenantId: message.tenant_id,
    type: message.type,
    occurredAt: message.occurred_at,
    receivedAt: message.received_at,
    subject: message.subject,
    changedFields: message.changed_fields,
    data: message.data,
  };
}

export function decodeAcceptedEvent(raw: Buffer | null): DecodeResult<AcceptedEventMessage> {
  const decoded = decodeJsonObject(raw);
  if (!decoded.ok) return decoded;
  const problem = checkFields(decoded.value, {
    id: 'string',
    tenant_id: 'string',
    type: 'string',
    occurred_at: 'string',
    received_at: 'string',
    subject: 'string|null',
    changed_fields: 'array|null',
    data: 'json',
  });
  return problem
    ? { ok: false, reason: problem }
    : { ok: true, value: decoded.value as unknown as AcceptedEventMessage };
}

/** `herald.deliveries` and the retry topics: one delivery of one event to one subscription. */
export interface DeliveryMessage {
  delivery_id: string;
  /**
   * The `webhook-id` to send with, when not `delivery_id`: a retry or redrive keeps the id of the
   * delivery it resends. Absent on messages written before it existed.
   */
  message_id?: string;
  tenant_id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  /** Attempts already made before this one. */
  attempt: number;
  /** When ingest accepted the event, for end-to-end latency. */
  accepted_at: string;
  /**
   * Until when an open circuit may keep deferring it (ISO time); past it the delivery is
   * dead-lettered. Stamped by the deliverer when the delivery first goes to a retry topic, carried by
   * its retries; absent before that (and on messages written before it existed).
   */
  deadline?: string;
  /** The event's subject and changed fields, for a body transformation; absent when null. */
  subject?: string;
  changed_fields?: string[];
  body: DeliveredBody;
}

/**
 * A delivery's first message (no attempt made yet): `data` is the event's data as the subscription's
 * payload fields project it, and a delivery that resends another keeps that one's `webhook-id`.
 */
export function toDeliveryMessage(
  delivery: Pick<Delivery, 'id' | 'messageId' | 'tenantId' | 'subscriptionId'>,
  event: HeraldEvent,
  data: EventData,
  acceptedAt: string,
): DeliveryMessage {
  return {
    delivery_id: delivery.id,
    ...(delivery.messageId === delivery.id ? {} : { message_id: delivery.messageId }),
    tenant_id: delivery.tenantId,
    subscription_id: delivery.subscriptionId,
    event_id: event.id,
    event_type: event.type,
    attempt: 0,
    accepted_at: acceptedAt,
    ...(event.subject === null ? {} : { subject: event.subject }),
    ...(event.changedFields === null ? {} : { changed_fields: event.changedFields }),
    body: buildDeliveredBody(event, delivery.subscriptionId, delivery.id, data),
  };
}

export function decodeDelivery(raw: Buffer | null): DecodeResult<DeliveryMessage> {
  const decoded = decodeJsonObject(raw);
  if (!decoded.ok) return decoded;
  const problem = checkFields(decoded.value, {
    delivery_id: 'string',
    tenant_id: 'string',
    subscription_id: 'string',
    event_id: 'string',
    event_type: 'string',
    attempt: 'number',
    accepted_at: 'string',
    body: 'object',
  });
  const deadline = decoded.value.deadline;
  const badDeadline = deadline !== undefined && typeof deadline !== 'string';
  return problem || badDeadline
    ? { ok: false, reason: problem ?? 'field deadline must be string' }
    : { ok: true, value: decoded.value as unknown as DeliveryMessage };
}

/** `herald.events.invalid`: what was rejected, why, and where it came from. */
export interface InvalidEventMessage {
  reason: { code: DeadLetterCode; message: string; field?: string };
  source: {
    transport: 'kafka' | 'http';
    topic?: string;
    partition?: number;
    offset?: string;
    key?: string | null;
  };
  rejected_at: string;
  /**
   * The original bytes as UTF-8 text, or base64 when they are not valid UTF-8 or too long to keep
   * whole (then only the first INVALID_VALUE_LIMIT bytes, and `value_truncated`).
   */
  value: string | null;
  value_encoding: 'utf8' | 'base64';
  /** How many bytes were sent. */
  value_bytes?: number;
  value_truncated?: boolean;
}

export function decodeInvalidEvent(raw: Buffer | null): DecodeResult<InvalidEventMessage> {
  const decoded = decodeJsonObject(raw);
  if (!decoded.ok) return decoded;
  const problem = checkFields(decoded.value, {
    reason: 'object',
    source: 'object',
    rejected_at: 'string',
  });
  return problem
    ? { ok: false, reason: problem }
    : { ok: true, value: decoded.value as unknown as InvalidEventMessage };
}

/** `herald.events.inbound` carries producer envelopes; ingest validates them itself. */
export function decodeRaw(raw: Buffer | null): DecodeResult<Buffer> {
  return raw === null ? { ok: false, reason: 'message has no value' } : { ok: true, value: raw };
}

/** What the matcher needs of a subscription; destinations and secrets never travel on the changelog. */
export interface SubscriptionMatchState {
  enabled: boolean;
  status: 'active' | 'disabled';
  event_types: string[];
  filter: JsonObject | null;
  trigger_fields: string[] | null;
  payload_fields: string[] | null;
  ordering: 'best_effort' | 'strict';
  rate_limit_per_second: number | null;
  updated_at: string;
}

/**
 * `herald.subscriptions.changelog` (compacted, keyed by subscription id): the latest matching state
 * of each subscription; `subscription` is null once it is deleted.
 */
export interface SubscriptionChangeMessage {
  subscription_id: string;
  tenant_id: string;
  op: 'upsert' | 'delete';
  changed_at: string;
  subscription: SubscriptionMatchState | null;
}

export function toSubscriptionChange(
  subscription: Subscription,
  op: 'upsert' | 'delete',
): SubscriptionChangeMessage {
  return {
    subscription_id: subscription.id,
    tenant_id: subscription.tenantId,
    op,
    changed_at: new Date().toISOString(),
    subscription:
      op === 'delete'
        ? null
        : {
            enabled: subscription.enabled,
            status: subscription.status,
            event_types: subscription.eventTypes,
            filter: subscription.filter,
            trigger_fields: subscription.triggerFields,
            payload_fields: subscription.payloadFields,
            ordering: subscription.ordering,
            rate_limit_per_second: subscription.rateLimitPerSecond,
            updated_at: subscription.updatedAt,
          },
  };
}

export function decodeSubscriptionChange(
  raw: Buffer | null,
): DecodeResult<SubscriptionChangeMessage> {
  const decoded = decodeJsonObject(raw);
  if (!decoded.ok) return decoded;
  const problem = checkFields(decoded.value, {
    subscription_id: 'string',
    tenant_id: 'string',
    op: 'string',
    changed_at: 'string',
  });
  return problem
    ? { ok: false, reason: problem }
    : { ok: true, value: decoded.value as unknown as SubscriptionChangeMessage };
}

/**
 * The most of a rejected message's bytes `herald.events.invalid` keeps (before base64), so the record
 * always fits in a Kafka message of the default 1 MiB, whatever was sent (a message that cannot be
 * parked must not stop its partition). Larger values keep their first bytes and say so.
 */
export const INVALID_VALUE_LIMIT = 384 * 1024;

export function toInvalidEventMessage(
  value: Buffer | null,
  reason: InvalidEventMessage['reason'],
  source: InvalidEventMessage['source'],
  now: Date = new Date(),
): InvalidEventMessage {
  const base = { reason, source, rejected_at: now.toISOString() };
  if (value === null) return { ...base, value: null, value_encoding: 'utf8' };
  const sized = { value_bytes: value.length };
  if (isUtf8(value)) {
    const text = value.toString('utf8');
    // JSON escaping can grow text (a control character takes six bytes): measure what is sent.
    if (Buffer.byteLength(JSON.stringify(text)) <= (INVALID_VALUE_LIMIT * 4) / 3) {
      return { ...base, value: text, value_encoding: 'utf8', ...sized };
    }
  }
  const kept = value.subarray(0, INVALID_VALUE_LIMIT);
  return {
    ...base,
    value: kept.toString('base64'),
    value_encoding: 'base64',
    ...sized,
    ...(kept.length < value.length ? { value_truncated: true } : {}),
  };
}
