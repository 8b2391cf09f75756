import { Injectable } from '@nestjs/common';
import {
  buildDeliveredBody,
  EventSchemas,
  newId,
  projectPayload,
  renderPreview,
} from '@herald/domain';
import { EventsRepository, EventTypesRepository } from '@herald/persistence';
import { notFound } from '../errors/api-error';
import { presentPreviewedEvent, previewedEvent, type PreviewSource } from '../common/preview';

/** The subscription id a type's preview shows: no subscription is involved. */
export const PREVIEW_SUBSCRIPTION_ID = 'sub_preview';

/**
 * `POST /v1/event-types/{name}/preview`: what a subscription of this type that sets nothing of its own
 * would be sent for an event — the type's `payload_fields` and transformation applied — and whether
 * the event's data matches the type's schema. Nothing is sent or stored.
 */
@Injectable()
export class EventTypePreviewService {
  constructor(
    private readonly eventTypes: EventTypesRepository,
    private readonly events: EventsRepository,
  ) {}

  async preview(tenantId: string, name: string, source: PreviewSource, now = new Date()) {
    const eventType = await this.eventTypes.get(tenantId, name);
    if (!eventType) throw notFound('event type', name);
    const event = await previewedEvent(this.events, tenantId, source);
    const schemas = new EventSchemas(() => Promise.resolve(eventType.schema), 0);
    const schemaProblem = await schemas.check(tenantId, name, event.data);
    const body = buildDeliveredBody(
      event,
      PREVIEW_SUBSCRIPTION_ID,
      newId('dlv', now.getTime()),
      projectPayload(event.data, null, eventType.payloadFields),
    );
    const rendered = await renderPreview(eventType.transformation, body, event);
    return {
      schema_error: schemaProblem && { field: schemaProblem.field, message: schemaProblem.message },
      event: presentPreviewedEvent(event),
      transformation: eventType.transformation !== null,
      body: rendered.body === null ? null : (JSON.parse(rendered.body) as unknown),
      raw_body: rendered.body,
      error: rendered.error,
    };
  }
}
