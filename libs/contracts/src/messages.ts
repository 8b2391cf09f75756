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
import { Type, type Static } from '@sinclair/typebox';
import { schemaDecoder, type DecodeResult } from './decode';
import type { DeadLetterCode } from './reason-codes';

/*
 * Each topic's message is one TypeBox schema: its TypeScript type is derived from it, and so is its
 * decoder (schemaDecoder, compiled with ajv), which checks nested bodies too. Fields a schema does
 * not name are kept, so a newer producer may add one during a rolling upgrade.
 */

/** An event's `data`: any JSON value but null. */
const EventDataSchema = Type.Unsafe<EventData>({
  not: { type: 'null' },
  description: 'a JSON value other than null',
});

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

/** The standard body a delivery sends (libs/domain `DeliveredBody`). */
const DeliveredBodySchema = Type.Unsafe<DeliveredBody>(
  Type.Object({
    id: Type.String(),
    type: Type.String(),
    timestamp: Type.String(),
    subscription_id: Type.String(),
    delivery_id: Type.String(),
    data: EventDataSchema,
  }),
);

/** `herald.deliveries` and the retry topics: one delivery of one event to one subscription. */
export const DeliveryMessageSchema = Type.Object({
  delivery_id: Type.String(),
  /**
   * The `webhook-id` to send with, when not `delivery_id`: a retry or redrive keeps the id of the
   * delivery it resends. Absent on messages written before it existed.
   */
  message_id: Type.Optional(Type.String()),
  tenant_id: Type.String(),
  subscription_id: Type.String(),
  event_id: Type.String(),
  event_type: Type.String(),
  /** Attempts already made before this one. */
  attempt: Type.Integer({ minimum: 0 }),
  /** When ingest accepted the event, for end-to-end latency. */
  accepted_at: Type.String(),
  /**
   * Until when an open circuit may keep deferring it (ISO time); past it the delivery is
   * dead-lettered. Stamped by the deliverer when the delivery first goes to a retry topic, carried by
   * its retries; absent before that (and on messages written before it existed).
   */
  deadline: Type.Optional(Type.String()),
  /**
   * When a delivery on a retry topic is due (ISO time), when that is later than the topic's delay
   * can hold it without holding back the messages queued behind it (a Retry-After or an open circuit
   * longer than the longest retry delay): it is looked at again after that delay and goes round
   * until then. Absent when the `not-before` header says when it is due.
   */
  due_at: Type.Optional(Type.String()),
  /** The event's subject and changed fields, for a body transformation; absent when null. */
  subject: Type.Optional(Type.String()),
  changed_fields: Type.Optional(Type.Array(Type.String())),
  body: DeliveredBodySchema,
});
export type DeliveryMessage = Static<typeof DeliveryMessageSchema>;

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

export const decodeDelivery: (raw: Buffer | null) => DecodeResult<DeliveryMessage> =
  schemaDecoder(DeliveryMessageSchema);

/** A delivery message without its body: what recording an attempt of it needs. */
export type DeliveryEnvelope = Omit<DeliveryMessage, 'body'>;

/**
 * Decodes a delivery whatever its body: a message whose body cannot be sent (or decoded) can still
 * be recorded as dead for its tenant, with the reason.
 */
export const decodeDeliveryEnvelope: (raw: Buffer | null) => DecodeResult<DeliveryEnvelope> =
  schemaDecoder(Type.Omit(DeliveryMessageSchema, ['body']));

/** `herald.events.invalid`: what was rejected, why, and where it came from. */
export const InvalidEventMessageSchema = Type.Object({
  reason: Type.Object({
    code: Type.Unsafe<DeadLetterCode>(Type.String()),
    message: Type.String(),
    field: Type.Optional(Type.String()),
  }),
  source: Type.Object({
    transport: Type.Union([Type.Literal('kafka'), Type.Literal('http')]),
    topic: Type.Optional(Type.String()),
    partition: Type.Optional(Type.Integer()),
    offset: Type.Optional(Type.String()),
    key: Type.Optional(Nullable(Type.String())),
  }),
  rejected_at: Type.String(),
  /**
   * The original bytes as UTF-8 text, or base64 when they are not valid UTF-8 or too long to keep
   * whole (then only the first INVALID_VALUE_LIMIT bytes, and `value_truncated`).
   */
  value: Nullable(Type.String()),
  value_encoding: Type.Union([Type.Literal('utf8'), Type.Literal('base64')]),
  /** How many bytes were sent. */
  value_bytes: Type.Optional(Type.Integer({ minimum: 0 })),
  value_truncated: Type.Optional(Type.Boolean()),
});
export type InvalidEventMessage = Static<typeof InvalidEventMessageSchema>;

export const decodeInvalidEvent: (raw: Buffer | null) => DecodeResult<InvalidEventMessage> =
  schemaDecoder(InvalidEventMessageSchema);

/** `herald.events.inbound` carries producer envelopes; ingest validates them itself. */
export function decodeRaw(raw: Buffer | null): DecodeResult<Buffer> {
  return raw === null ? { ok: false, reason: 'message has no value' } : { ok: true, value: raw };
}

/** What event-ingest's matching needs of a subscription; destinations and secrets never travel on the changelog. */
export const SubscriptionMatchStateSchema = Type.Object({
  enabled: Type.Boolean(),
  status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
  event_types: Type.Array(Type.String()),
  filter: Nullable(Type.Unsafe<JsonObject>(Type.Object({}))),
  trigger_fields: Nullable(Type.Array(Type.String())),
  payload_fields: Nullable(Type.Array(Type.String())),
  ordering: Type.Union([Type.Literal('best_effort'), Type.Literal('strict')]),
  rate_limit_per_second: Nullable(Type.Number()),
  updated_at: Type.String(),
});
export type SubscriptionMatchState = Static<typeof SubscriptionMatchStateSchema>;

/**
 * `herald.subscriptions.changelog` (compacted, keyed by subscription id): the latest matching state
 * of each subscription; `subscription` is null once it is deleted.
 */
export const SubscriptionChangeMessageSchema = Type.Object({
  subscription_id: Type.String(),
  tenant_id: Type.String(),
  op: Type.Union([Type.Literal('upsert'), Type.Literal('delete')]),
  changed_at: Type.String(),
  subscription: Nullable(SubscriptionMatchStateSchema),
});
export type SubscriptionChangeMessage = Static<typeof SubscriptionChangeMessageSchema>;

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

export const decodeSubscriptionChange: (
  raw: Buffer | null,
) => DecodeResult<SubscriptionChangeMessage> = schemaDecoder(SubscriptionChangeMessageSchema);

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
