import { Injectable } from '@nestjs/common';
import { Topics, toDeliveryMessage } from '@herald/contracts';
import { payloadFor, type HeraldEvent } from '@herald/domain';
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
   * Records a delivery for every subscription each event matches and emits those not emitted yet,
   * keyed by subscription id so each subscription's deliveries stay in order: for a whole batch of
   * events, one INSERT (and a SELECT of what was planned before, when handled again) and the
   * deliveries produced in event order (each event's send in its own trace context, all coalesced
   * into one request).
   */
  async matchAll(
    events: readonly { event: HeraldEvent; within?: <R>(work: () => R) => R }[],
  ): Promise<MatchResult[]> {
    const prepared = await Promise.all(
      events.map(async ({ event, within }) => {
        // The event type's catalog entry gives the defaults for null trigger and payload fields.
        const defaults = await this.eventTypes.get(event.tenantId, event.type);
        const matched = this.subscriptions.index.match(event, defaults);
        return { event, within, defaults, matched };
      }),
    );
    const planned = await this.deliveries.planForEvents(
      prepared.map(({ event, matched }) => ({
        tenantId: event.tenantId,
        eventId: event.id,
        eventType: event.type,
        subscriptionIds: matched.map((subscription) => subscription.id),
      })),
    );
    const sends = prepared.map(({ event, within, defaults, matched }) => {
      const toEmit = (planned.get(event.id) ?? [])
        .filter((plan) => !plan.published)
        .map((plan) => plan.delivery);
      const byId = new Map(matched.map((subscription) => [subscription.id, subscription]));
      const messages = toEmit.map((delivery) => ({
        value: toDeliveryMessage(
          delivery,
          event,
          payloadFor(byId.get(delivery.subscriptionId) ?? { payloadFields: null }, event, defaults),
          event.receivedAt,
        ),
      }));
      const send = () => this.producer.send(Topics.deliveries, messages);
      return {
        send: within ? within(send) : send(),
        matched: matched.length,
        emitted: toEmit.length,
      };
    });
    // Not marked published: `planForEvents` says why that is not needed.
    await Promise.all(sends.map(({ send }) => send));
    return sends.map(({ matched, emitted: count }) => ({ matched, emitted: count }));
  }
}
