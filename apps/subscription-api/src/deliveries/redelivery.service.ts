import { Injectable } from '@nestjs/common';
import type { Delivery } from '@herald/domain';
import { DeliveriesRepository, EventsRepository, type DeliveryFilter } from '@herald/persistence';
import { DeliveryDispatcher } from '../dispatch/delivery-dispatcher';

export type RedriveRange = Pick<DeliveryFilter, 'subscriptionId' | 'since' | 'until'>;

/**
 * Sends failed and dead deliveries again, each as a new delivery (origin `retry`) of the same event
 * to the same subscription with the same `webhook-id`, and marks the originals as redriven so a redrive or recover by range
 * does not send them twice. Used by retry, dead-letter redrive and subscription recover.
 */
@Injectable()
export class Redelivery {
  constructor(
    private readonly deliveries: DeliveriesRepository,
    private readonly events: EventsRepository,
    private readonly dispatcher: DeliveryDispatcher,
  ) {}

  /**
   * Sends these deliveries again whatever their state (a retry, or a redrive by id) and marks the
   * failed and dead ones among them as redriven.
   */
  async resend(tenantId: string, originals: readonly Delivery[]): Promise<Delivery[]> {
    return this.resendOldestFirst(tenantId, originals, async (sent) => {
      await this.deliveries.markRedriven(
        tenantId,
        sent.map((delivery) => delivery.id),
      );
    });
  }

  /**
   * Claims the not yet redriven deliveries in the range with one of these statuses (at most `limit`,
   * or all) and sends them again; what could not be sent is released for a later call.
   */
  async redriveRange(
    tenantId: string,
    range: RedriveRange,
    statuses: readonly ('failed' | 'dead')[],
    limit: number | null,
  ): Promise<{ claimed: number; created: Delivery[] }> {
    const claimed = await this.deliveries.claimForRedrive(tenantId, { ...range, statuses }, limit);
    const created = await this.resendOldestFirst(tenantId, claimed, async (_sent, unsent) => {
      await this.deliveries.releaseRedrive(
        tenantId,
        unsent.map((delivery) => delivery.id),
      );
    });
    return { claimed: claimed.length, created };
  }

  /**
   * One dispatch per event, in the order of the originals (oldest first, so a subscription gets its
   * events in their order again). `settle` records which originals went out, also when one fails.
   */
  private async resendOldestFirst(
    tenantId: string,
    originals: readonly Delivery[],
    settle: (sent: Delivery[], unsent: Delivery[]) => Promise<void>,
  ): Promise<Delivery[]> {
    const byEvent = new Map<string, Delivery[]>();
    for (const original of [...originals].sort((a, b) => a.id.localeCompare(b.id))) {
      const group = byEvent.get(original.eventId);
      if (group) group.push(original);
      else byEvent.set(original.eventId, [original]);
    }
    const created: Delivery[] = [];
    const sent: Delivery[] = [];
    try {
      for (const [eventId, group] of byEvent) {
        const event = await this.events.get(tenantId, eventId);
        // Deliveries are made only for stored events; a missing one is a broken invariant, not input.
        if (!event) throw new Error(`event ${eventId} of delivery ${group[0].id} is missing`);
        created.push(
          ...(await this.dispatcher.dispatch(
            event,
            group.map((delivery) => delivery.subscriptionId),
            'retry',
            // The same message sent again: receivers de-duplicating on `webhook-id` see it as such.
            group.map((delivery) => delivery.messageId),
          )),
        );
        sent.push(...group);
      }
    } catch (error) {
      const sentIds = new Set(sent.map((delivery) => delivery.id));
      await settle(
        sent,
        originals.filter((delivery) => !sentIds.has(delivery.id)),
      );
      throw error;
    }
    await settle(sent, []);
    return created;
  }
}
