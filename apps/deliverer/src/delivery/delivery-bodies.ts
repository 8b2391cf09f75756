import { Injectable } from '@nestjs/common';
import type { DeliveryMessage } from '@herald/contracts';
import {
  FreshCache,
  TransformationCache,
  transformationInputOf,
  type JsonObject,
  type Rendered,
  type Subscription,
  type TransformationInput,
} from '@herald/domain';
import { EventTypesRepository } from '@herald/persistence';

/** As long as a subscription is trusted from DeliveryTargets: a changed default applies within it. */
const FRESH_MS = 2_000;
const MAX_EVENT_TYPES = 10_000;

/**
 * The bytes each attempt sends: the standard body, or what the delivery's transformation gives —
 * the subscription's own, else its event type's default. Transformations are compiled once per
 * source and evaluated per attempt (they see the attempt number); an event type's default is read
 * at most once per two seconds per type.
 */
@Injectable()
export class DeliveryBodies {
  private readonly compiled = new TransformationCache();
  private readonly typeDefaults = new FreshCache<string | null>(FRESH_MS, MAX_EVENT_TYPES);

  constructor(private readonly eventTypes: EventTypesRepository) {}

  async render(
    message: DeliveryMessage,
    subscription: Pick<Subscription, 'transformation' | 'metadata'>,
  ): Promise<Rendered> {
    const source =
      subscription.transformation ??
      (await this.typeDefault(message.tenant_id, message.event_type));
    if (source === null) return { ok: true, body: JSON.stringify(message.body) };
    const transformation = this.compiled.get(source);
    // Refused when written; one stored before a stricter check would fail here, with its reason.
    if (typeof transformation === 'string') {
      return { ok: false, message: `transformation ${transformation}` };
    }
    return transformation.render(transformationInput(message, subscription.metadata));
  }

  private typeDefault(tenantId: string, type: string): Promise<string | null> {
    return this.typeDefaults.load(
      `${tenantId}\u0000${type}`,
      async () => (await this.eventTypes.get(tenantId, type))?.transformation ?? null,
    );
  }
}

/** What a transformation sees of one attempt of a delivery. */
function transformationInput(message: DeliveryMessage, metadata: JsonObject): TransformationInput {
  return transformationInputOf(message.body, {
    subject: message.subject ?? null,
    changedFields: message.changed_fields ?? null,
    tenantId: message.tenant_id,
    attempt: message.attempt + 1,
    metadata,
  });
}
