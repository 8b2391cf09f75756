import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG } from '@herald/config';
import { exampleData, newId, pickExampleType, type HeraldEvent } from '@herald/domain';
import {
  DeliveriesRepository,
  EventsRepository,
  EventTypesRepository,
  SubscriptionsRepository,
  type SubscriptionReader,
} from '@herald/persistence';
import { DeliveryDispatcher } from '../dispatch/delivery-dispatcher';
import { notFound } from '../errors/api-error';
import {
  presentAttempt,
  presentDelivery,
  type AttemptView,
  type DeliveryView,
} from '../deliveries';
import { Redelivery } from '../deliveries';
import { TEST_EVENT_TYPE, type TestDeliveryInput } from './subscription-delivery-input';
import type { SubscriptionApiConfig } from '../subscription-api.config';

const POLL_INTERVAL_MS = 100;

export type TestDeliveryResult =
  | { attempted: true; delivery: DeliveryView; attempt: AttemptView }
  | { attempted: false; delivery: DeliveryView; attempt: null };

/** Deliveries a tenant starts for one subscription: a test event, and recovering what failed. */
@Injectable()
export class SubscriptionDeliveriesService {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: SubscriptionApiConfig,
    @Inject(SubscriptionsRepository) private readonly subscriptions: SubscriptionReader,
    private readonly events: EventsRepository,
    private readonly eventTypes: EventTypesRepository,
    private readonly deliveries: DeliveriesRepository,
    private readonly dispatcher: DeliveryDispatcher,
    private readonly redelivery: Redelivery,
  ) {}

  /**
   * Stores a test event, sends it to this subscription only, and waits for the first attempt: at
   * most one delivery timeout plus 2 s, after which the caller gets the delivery still under way.
   * Without `data` it sends an example from the catalog, as Svix's "send example" does.
   */
  async test(
    tenantId: string,
    subscriptionId: string,
    input: TestDeliveryInput,
  ): Promise<TestDeliveryResult> {
    const subscription = await this.subscriptions.get(tenantId, subscriptionId);
    if (!subscription) throw notFound('subscription', subscriptionId);
    const { type, data } = await this.testEvent(tenantId, subscription.eventTypes, input);
    const now = new Date().toISOString();
    const { event } = await this.events.store({
      id: newId('evt'),
      tenantId,
      type,
      occurredAt: now,
      receivedAt: now,
      subject: null,
      changedFields: null,
      data,
    });
    // A test event is for one subscription; marked as emitted so nothing ever fans it out to others.
    await this.events.markPublished(tenantId, event.id);
    const [delivery] = await this.dispatcher.dispatch(event, [subscriptionId], 'test');

    const deadline = Date.now() + this.config.delivery.timeoutMs + 2000;
    for (;;) {
      const [first] = await this.deliveries.listAttempts(tenantId, delivery.id);
      if (first) {
        const current = (await this.deliveries.get(tenantId, delivery.id)) ?? delivery;
        return {
          attempted: true,
          delivery: presentDelivery(current),
          attempt: presentAttempt(first),
        };
      }
      if (Date.now() >= deadline) break;
      await sleep(Math.min(POLL_INTERVAL_MS, Math.max(0, deadline - Date.now())));
    }
    const current = (await this.deliveries.get(tenantId, delivery.id)) ?? delivery;
    return { attempted: false, delivery: presentDelivery(current), attempt: null };
  }

  /**
   * The request's type and data; where data is missing, the first example of the type asked for or,
   * with no type either, of the first of the subscription's types (a glob's in name order) that has
   * one; with no example, what a test sent before examples: `{}`, of type `herald.test` by default.
   */
  private async testEvent(
    tenantId: string,
    subscribedTypes: readonly string[],
    input: TestDeliveryInput,
  ): Promise<{ type: string; data: HeraldEvent['data'] }> {
    const fallback = input.eventType ?? TEST_EVENT_TYPE;
    if (input.data !== null) return { type: fallback, data: input.data };
    const type =
      input.eventType ??
      pickExampleType(subscribedTypes, await this.eventTypes.namesWithExamples(tenantId));
    const example = type === null ? undefined : await this.eventTypes.firstExample(tenantId, type);
    // Checked again as data: the rules for data may have changed since the example was stored.
    const checked = example === undefined ? null : exampleData(example);
    return type !== null && checked?.ok
      ? { type, data: checked.data }
      : { type: fallback, data: {} };
  }

  /**
   * Sends again every failed or dead delivery of the subscription created since `since` that was not
   * sent again already (Svix's recover); a second recover does not repeat what the first sent.
   */
  async recover(
    tenantId: string,
    subscriptionId: string,
    since: Date,
  ): Promise<{ recovered: number }> {
    if (!(await this.subscriptions.get(tenantId, subscriptionId))) {
      throw notFound('subscription', subscriptionId);
    }
    const { created } = await this.redelivery.redriveRange(
      tenantId,
      { subscriptionId, since },
      ['failed', 'dead'],
      null,
    );
    return { recovered: created.length };
  }
}
