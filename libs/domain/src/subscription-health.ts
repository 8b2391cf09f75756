import { formatDuration } from './durations';
import type { JsonObject } from './json';

/** The events Herald emits about its own deliveries, which a tenant subscribes to like any other. */
export const OperationalEventTypes = {
  subscriptionDisabled: 'herald.subscription.disabled',
  deliveryExhausted: 'herald.delivery.exhausted',
  deliveryRecovered: 'herald.delivery.recovered',
} as const;

export type OperationalEventType =
  (typeof OperationalEventTypes)[keyof typeof OperationalEventTypes];

/** Event types starting with this are Herald's own; producers cannot publish them. */
export const RESERVED_EVENT_TYPE_PREFIX = 'herald.';

/** Case-insensitive, so `Herald.subscription.disabled` cannot pass for Herald's own either. */
export function isReservedEventType(type: string): boolean {
  return type.toLowerCase().startsWith(RESERVED_EVENT_TYPE_PREFIX);
}

/** Why a subscription is disabled after its receiver answered `410 Gone`. */
export const GONE_REASON = 'gone: receiver answered 410';

/** The failure of a delivery refused because its subscription is disabled (or paused, or deleted). */
export const SUBSCRIPTION_DISABLED = 'subscription disabled';

/**
 * What one attempt says about the subscription's endpoint: `ours` is a failure of Herald's own (a
 * secret it cannot read), which neither extends nor ends a run of failures.
 */
export type AttemptVerdict = 'succeeded' | 'failed' | 'gone' | 'ours';

export interface HealthInput {
  /** The event type of the delivery attempted. */
  eventType: string;
  verdict: AttemptVerdict;
  /** The delivery is dead after this attempt (schedule spent or a permanent failure). */
  exhausted: boolean;
  /** When the subscription's current run of failures began, before this attempt; null when healthy. */
  failingSince: Date | null;
  now: Date;
  autoDisableAfterMs: number;
}

export interface DisableDecision {
  cause: 'gone' | 'failing';
  reason: string;
}

export interface HealthTransitions {
  /** The start of the run of failures after this attempt; null when healthy. */
  failingSince: Date | null;
  startedFailing: boolean;
  recovered: boolean;
  disable: DisableDecision | null;
  /** Operational events to emit, in this order. */
  emit: OperationalEventType[];
}

/**
 * What happens to a subscription after one attempt: `410 Gone` disables it at once; failing without a
 * success for the whole auto-disable window disables it; a success after failures is a recovery; a
 * dead delivery is exhausted. Deliveries of Herald's own event types (`herald.*`) never cause
 * operational events, so an operational subscription that fails cannot feed itself an endless chain.
 */
export function assessAttempt(input: HealthInput): HealthTransitions {
  const { verdict, failingSince, now } = input;
  const healthy = (after: Date | null): HealthTransitions => ({
    failingSince: after,
    startedFailing: false,
    recovered: false,
    disable: null,
    emit: [],
  });
  let transitions: HealthTransitions;
  switch (verdict) {
    case 'ours':
      transitions = healthy(failingSince);
      break;
    case 'succeeded':
      transitions = { ...healthy(null), recovered: failingSince !== null };
      break;
    case 'failed':
    case 'gone': {
      const since = failingSince ?? now;
      const failingFor = now.getTime() - since.getTime();
      const disable: DisableDecision | null =
        verdict === 'gone'
          ? { cause: 'gone', reason: GONE_REASON }
          : failingFor >= input.autoDisableAfterMs
            ? {
                cause: 'failing',
                reason: `failing since ${since.toISOString()}, longer than ${formatDuration(input.autoDisableAfterMs)}`,
              }
            : null;
      transitions = {
        failingSince: since,
        startedFailing: failingSince === null,
        recovered: false,
        disable,
        emit: [],
      };
      break;
    }
  }
  if (isReservedEventType(input.eventType)) return transitions;
  const emit: OperationalEventType[] = [];
  if (transitions.disable) emit.push(OperationalEventTypes.subscriptionDisabled);
  if (input.exhausted) emit.push(OperationalEventTypes.deliveryExhausted);
  if (transitions.recovered) emit.push(OperationalEventTypes.deliveryRecovered);
  return { ...transitions, emit };
}

/** The delivery an operational event is about. */
export interface OperationalEventContext {
  tenantId: string;
  subscriptionId: string;
  deliveryId: string;
  eventId: string;
  eventType: string;
  /** Attempts made so far, this one included. */
  attempts: number;
  statusCode: number | null;
  /** When the subscription's run of failures began, if it is (or was, for a recovery) failing. */
  failingSince: Date | null;
  now: Date;
}

/** An operational event as a producer envelope for `herald.events.inbound`. */
export interface OperationalEventEnvelope {
  id: string;
  tenant_id: string;
  type: OperationalEventType;
  occurred_at: string;
  subject: string;
  data: JsonObject;
}

const REASON_LIMIT = 1000;

const ID_WORD: Record<OperationalEventType, string> = {
  'herald.subscription.disabled': 'disabled',
  'herald.delivery.exhausted': 'exhausted',
  'herald.delivery.recovered': 'recovered',
};

/**
 * The same delivery attempt always yields the same event id, so an emission repeated after a crash
 * or a redelivered attempt is de-duplicated by ingest on `(tenant_id, id)`.
 */
export function operationalEventId(
  type: OperationalEventType,
  deliveryId: string,
  attempts: number,
): string {
  return `evt_herald_${ID_WORD[type]}_${deliveryId}_${attempts}`;
}

function envelope(
  type: OperationalEventType,
  context: OperationalEventContext,
  data: JsonObject,
): OperationalEventEnvelope {
  return {
    id: operationalEventId(type, context.deliveryId, context.attempts),
    tenant_id: context.tenantId,
    type,
    occurred_at: context.now.toISOString(),
    subject: context.subscriptionId,
    data: {
      subscription_id: context.subscriptionId,
      delivery_id: context.deliveryId,
      event_id: context.eventId,
      event_type: context.eventType,
      attempts: context.attempts,
      status_code: context.statusCode,
      first_failed_at: context.failingSince?.toISOString() ?? null,
      ...data,
    },
  };
}

export function subscriptionDisabledEvent(
  context: OperationalEventContext,
  disable: DisableDecision,
): OperationalEventEnvelope {
  return envelope(OperationalEventTypes.subscriptionDisabled, context, {
    reason: disable.reason.slice(0, REASON_LIMIT),
    cause: disable.cause,
    disabled_at: context.now.toISOString(),
  });
}

export function deliveryExhaustedEvent(
  context: OperationalEventContext,
  reason: string,
): OperationalEventEnvelope {
  return envelope(OperationalEventTypes.deliveryExhausted, context, {
    reason: reason.slice(0, REASON_LIMIT),
  });
}

export function deliveryRecoveredEvent(context: OperationalEventContext): OperationalEventEnvelope {
  return envelope(OperationalEventTypes.deliveryRecovered, context, {
    recovered_at: context.now.toISOString(),
  });
}
