import { Injectable } from '@nestjs/common';
import { Topics, type DeliveryMessage } from '@herald/contracts';
import { buildDeliveredBody, payloadFor, type HeraldEvent } from '@herald/domain';
import { TypedProducer } from '@herald/kafka';
import { DeliveriesRepository } from '@herald/persistence';
import { EventTypeDefaultsCache } from './event-type-defaults';
import { SubscriptionIndexService } from './subscription-index.service';

export interface MatchResult {
  matched: number;
  emitted: number;
}

@Injectable()
export class MatchingService {
  constructor(
    private readonly subscriptions: SubscriptionIndexService,
    private readonly deliveries: DeliveriesRepository,
    private readonly eventTypes: EventTypeDefaultsCache,
    private readonly producer: TypedProducer,
  ) {}

  /**
   * Records a delivery for every subscription the event matches and emits those not emitted yet,
   * keyed by subscription id so each subscription's deliveries stay in order.
   */
  async match(event: HeraldEvent): Promise<MatchResult> {
    // The event type's catalog entry gives the defaults for null trigger and payload fields.
    const defaults = await this.eventTypes.get(event.tenantId, event.type);
    const matched = this.subscriptions.index.match(event, defaults);
    const planned = await this.deliveries.planForEvent(
      event.tenantId,
      event.id,
      event.type,
      matched.map((subscription) => subscription.id),
    );
    const toEmit = planned.filter((plan) => !plan.published).map((plan) => plan.delivery);
    const byId = new Map(matched.map((subscription) => [subscription.id, subscription]));
    const messages = toEmit.map((delivery): { value: DeliveryMessage } => ({
      value: {
        delivery_id: delivery.id,
        tenant_id: delivery.tenantId,
        subscription_id: delivery.subscriptionId,
        event_id: event.id,
        event_type: event.type,
        attempt: 0,
        accepted_at: event.receivedAt,
        body: buildDeliveredBody(
          event,
          delivery.subscriptionId,
          delivery.id,
          payloadFor(byId.get(delivery.subscriptionId) ?? { payloadFields: null }, event, defaults),
        ),
      },
    }));
    await this.producer.send(Topics.deliveries, messages);
    await this.deliveries.markPublished(toEmit.map((delivery) => delivery.id));
    return { matched: matched.length, emitted: toEmit.length };
  }
}
