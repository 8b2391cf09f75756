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

  /**
   * The standard body when no transformation applies and that is known without reading (the event
   * type's default is cached): the common case, without a promise. Null when `render` must be asked.
   */
  renderedNow(
    message: DeliveryMessage,
    subscription: Pick<Subscription, 'transformation'>,
  ): Rendered | null {
    if (subscription.transformation !== null) return null;
    const typeDefault = this.typeDefaults.usable(typeKey(message.tenant_id, message.event_type));
    if (typeDefault !== null) return null; // unknown yet (undefined), or a transformation
    return { ok: true, body: JSON.stringify(message.body) };
  }

  private typeDefault(tenantId: string, type: string): Promise<string | null> {
    return this.typeDefaults.load(
      typeKey(tenantId, type),
      async () => (await this.eventTypes.get(tenantId, type))?.transformation ?? null,
    );
  }
}

const typeKey = (tenantId: string, type: string): string => `${tenantId}\u0000${type}`;

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
