import { Inject, Injectable } from '@nestjs/common';
import { Topics, toDeliveryMessage } from '@herald/contracts';
import { payloadFor, type Delivery, type DeliveryOrigin, type HeraldEvent } from '@herald/domain';
import { TypedProducer } from '@herald/kafka';
import {
  DeliveriesRepository,
  EventTypesRepository,
  SubscriptionsRepository,
  type SubscriptionReader,
} from '@herald/persistence';

/**
 * Sends an already stored event to subscriptions again (replay, retry, redrive, recover): records a
 * new delivery per subscription and emits it to `herald.deliveries`, keyed by subscription.
 */
@Injectable()
export class DeliveryDispatcher {
  constructor(
    private readonly deliveries: DeliveriesRepository,
    @Inject(SubscriptionsRepository) private readonly subscriptions: SubscriptionReader,
    private readonly eventTypes: EventTypesRepository,
    private readonly producer: TypedProducer,
  ) {}

  /**
   * `messageIds`, aligned with `subscriptionIds`, are the `webhook-id`s of the deliveries being sent
   * again (retry, redrive, recover); a replay leaves them out, so its deliveries are new messages.
   */
  async dispatch(
    event: HeraldEvent,
    subscriptionIds: readonly string[],
    origin: Exclude<DeliveryOrigin, 'event'>,
    messageIds?: readonly string[],
  ): Promise<Delivery[]> {
    const created = await this.deliveries.createAdditional(
      event.tenantId,
      event.id,
      event.type,
      subscriptionIds,
      origin,
      messageIds,
    );
    const payloadFields = new Map(
      (await this.subscriptions.getMany(event.tenantId, subscriptionIds)).map((s) => [
        s.id,
        s.payloadFields,
      ]),
    );
    const eventType = await this.eventTypes.get(event.tenantId, event.type);
    const defaults = eventType && {
      triggerFields: eventType.triggerFields,
      payloadFields: eventType.payloadFields,
    };
    await this.producer.send(
      Topics.deliveries,
      created.map((delivery) => ({
        value: toDeliveryMessage(
          delivery,
          event,
          payloadFor(
            { payloadFields: payloadFields.get(delivery.subscriptionId) ?? null },
            event,
            defaults,
          ),
          new Date().toISOString(),
        ),
      })),
    );
    await this.deliveries.markPublished(created.map((delivery) => delivery.id));
    return created;
  }
}
