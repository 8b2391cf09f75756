import { buildDeliveredBody } from './delivered-body';
import type { HeraldEvent } from './event';
import type { JsonObject } from './json';
import { matchesAnyEventType } from './event-type-glob';
import { shouldTrigger } from './field-paths';
import { matchesFilter } from './filter';
import { payloadFor, type EventTypeDefaults, type Subscription } from './subscription';
import { Transformation, transformationInputOf } from './transformation';

/** An event type's defaults with its transformation, as a preview applies them. */
export interface PreviewDefaults extends EventTypeDefaults {
  transformation: string | null;
}

export interface DeliveryPreview {
  /** Whether the subscription would get this event now. */
  wouldDeliver: boolean;
  /** Why not, each check that fails in the order matching makes them; empty when it would. */
  reasons: string[];
  /** Where the body's shape came from. */
  transformation: 'subscription' | 'event_type' | null;
  /** The exact bytes that would be sent (and signed), or null when the transformation fails. */
  body: string | null;
  /** Why the transformation gives no body for this event (the delivery would be dead-lettered). */
  error: string | null;
}

type Previewed = Pick<
  Subscription,
  | 'id'
  | 'enabled'
  | 'status'
  | 'disabledReason'
  | 'eventTypes'
  | 'filter'
  | 'triggerFields'
  | 'payloadFields'
  | 'transformation'
  | 'metadata'
>;

/**
 * Why a subscription would not get an event: the same checks, in the same order, as matching makes
 * (`subscriptionMatches`), each named.
 */
export function whyNotDelivered(
  subscription: Previewed,
  event: HeraldEvent,
  defaults: EventTypeDefaults | null,
): string[] {
  const reasons: string[] = [];
  if (!subscription.enabled) reasons.push('the subscription is paused (enabled is false)');
  if (subscription.status !== 'active') {
    reasons.push(
      `the subscription is disabled${subscription.disabledReason ? `: ${subscription.disabledReason}` : ''}`,
    );
  }
  if (!matchesAnyEventType(subscription.eventTypes, event.type)) {
    reasons.push(`event_types does not include ${event.type}`);
  }
  if (
    !matchesFilter(subscription.filter, {
      subject: event.subject,
      type: event.type,
      data: event.data,
    })
  ) {
    reasons.push('the filter does not hold for this event');
  }
  if (
    !shouldTrigger(subscription.triggerFields, defaults?.triggerFields ?? null, event.changedFields)
  ) {
    reasons.push("none of the trigger fields is among the event's changed_fields");
  }
  return reasons;
}

/**
 * What a subscription would be sent for an event, without sending: whether it matches (and why
 * not), and the body its `payload_fields` and transformation (its own, else the event type's) give
 * for a first attempt under `deliveryId`.
 */
export async function previewDelivery(
  subscription: Previewed,
  event: HeraldEvent,
  defaults: PreviewDefaults | null,
  deliveryId: string,
): Promise<DeliveryPreview> {
  const reasons = whyNotDelivered(subscription, event, defaults);
  const body = buildDeliveredBody(
    event,
    subscription.id,
    deliveryId,
    payloadFor(subscription, event, defaults),
  );
  const source = subscription.transformation ?? defaults?.transformation ?? null;
  const shaped = await renderPreview(source, body, event, subscription.metadata);
  return {
    wouldDeliver: reasons.length === 0,
    reasons,
    transformation:
      subscription.transformation !== null
        ? 'subscription'
        : defaults?.transformation
          ? 'event_type'
          : null,
    ...shaped,
  };
}

/** The body a transformation (or none: the standard body) gives, or why it gives none. */
export async function renderPreview(
  source: string | null,
  body: ReturnType<typeof buildDeliveredBody>,
  event: Pick<HeraldEvent, 'subject' | 'changedFields' | 'tenantId'>,
  /** The subscription's metadata; a type's preview has none. */
  metadata: JsonObject = {},
): Promise<{ body: string | null; error: string | null }> {
  if (source === null) return { body: JSON.stringify(body), error: null };
  const compiled = Transformation.compile(source);
  if (!compiled.ok) return { body: null, error: `transformation ${compiled.message}` };
  const rendered = await compiled.value.render(
    transformationInputOf(body, {
      subject: event.subject,
      changedFields: event.changedFields,
      tenantId: event.tenantId,
      attempt: 1,
      metadata,
    }),
  );
  return rendered.ok
    ? { body: rendered.body, error: null }
    : { body: null, error: rendered.message };
}
