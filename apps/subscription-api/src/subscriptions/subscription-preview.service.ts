import { Inject, Injectable } from '@nestjs/common';
import { newId, previewDelivery, previewHeaders, webhookHeaders } from '@herald/domain';
import {
  EventsRepository,
  EventTypesRepository,
  SecretsUnreadableError,
  SubscriptionsRepository,
  type DeliveryTargetReader,
} from '@herald/persistence';
import { ApiError, notFound } from '../errors/api-error';
import { presentPreviewedEvent, previewedEvent, type PreviewSource } from '../common/preview';

/**
 * `POST /v1/subscriptions/{id}/preview`: what the subscription would be sent for an event — whether
 * it matches (and each reason it does not), the exact body after `payload_fields` and the
 * transformation, and for a kind that sends HTTP requests every header, signed with the
 * subscription's secrets — without sending anything or storing a delivery.
 */
@Injectable()
export class SubscriptionPreviewService {
  constructor(
    @Inject(SubscriptionsRepository) private readonly subscriptions: DeliveryTargetReader,
    private readonly events: EventsRepository,
    private readonly eventTypes: EventTypesRepository,
  ) {}

  async preview(tenantId: string, id: string, source: PreviewSource, now = new Date()) {
    const target = await this.subscriptions.getDeliveryTarget(tenantId, id);
    if (!target || target.deleted) throw notFound('subscription', id);
    if (target.opened instanceof SecretsUnreadableError) {
      throw new ApiError('internal', 'the subscription’s secrets cannot be read with this key');
    }
    const { subscription, signingSecrets } = target.opened;
    const event = await previewedEvent(this.events, tenantId, source);
    const eventType = await this.eventTypes.get(tenantId, event.type);
    // An illustrative delivery id: the real one is made when the event is matched.
    const deliveryId = newId('dlv', now.getTime());
    const preview = await previewDelivery(subscription, event, eventType, deliveryId);
    const destination = subscription.destination;
    const extraHeaders = previewHeaders(destination);
    const headers =
      extraHeaders !== null && preview.body !== null
        ? webhookHeaders(extraHeaders, signingSecrets, {
            messageId: deliveryId,
            timestamp: Math.floor(now.getTime() / 1000),
            body: preview.body,
          })
        : null;
    return {
      would_deliver: preview.wouldDeliver,
      reasons: preview.reasons,
      destination_type: destination.type,
      event: presentPreviewedEvent(event),
      delivery_id: deliveryId,
      transformation: preview.transformation,
      body: preview.body === null ? null : (JSON.parse(preview.body) as unknown),
      raw_body: preview.body,
      headers,
      error: preview.error,
    };
  }
}
