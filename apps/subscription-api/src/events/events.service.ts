import { Inject, Injectable } from '@nestjs/common';
import { Headers, Topics } from '@herald/contracts';
import { EventSchemas, matchSubscriptions, type HeraldEvent } from '@herald/domain';
import { TypedProducer } from '@herald/kafka';
import {
  DeliveriesRepository,
  EventsRepository,
  EventTypesRepository,
  SubscriptionsRepository,
  type EventFilter,
  type EventPageRequest,
  type SubscriptionReader,
} from '@herald/persistence';
import { pageResponse } from '../common/pagination';
import { DeliveryDispatcher } from '../dispatch/delivery-dispatcher';
import { RetentionPolicy } from '../retention/retention-policy';
import { ApiError, type ApiErrorDetail } from '../errors/api-error';
import type { InboundEnvelope } from './event-input';
import {
  presentEvent,
  presentEventDelivery,
  presentEventSummary,
  type EventDeliveryView,
  type EventView,
} from './event.view';

/** A tenant's events: HTTP ingest, history and replay; the REST and gRPC transports both call this. */
@Injectable()
export class EventsService {
  private readonly schemas: EventSchemas;

  constructor(
    private readonly events: EventsRepository,
    private readonly deliveries: DeliveriesRepository,
    @Inject(SubscriptionsRepository) private readonly subscriptions: SubscriptionReader,
    private readonly producer: TypedProducer,
    private readonly dispatcher: DeliveryDispatcher,
    private readonly eventTypes: EventTypesRepository,
    private readonly retention: RetentionPolicy,
  ) {
    this.schemas = new EventSchemas(
      async (tenantId, type) => (await eventTypes.get(tenantId, type))?.schema ?? null,
    );
  }

  /**
   * Hands the envelope to `herald.events.inbound`, keyed by tenant like a Kafka producer's, so
   * event-ingest validates, de-duplicates on `(tenant_id, id)`, stores and emits it on the one path
   * both transports share. Accepted means durably queued: `send` waits for all in-sync replicas.
   */
  async ingest(
    tenantId: string,
    envelope: InboundEnvelope,
  ): Promise<{ id: string; status: 'accepted' }> {
    // Checked here too, so an HTTP producer hears of a schema mismatch at once (ingest checks again).
    const problem = await this.schemas.check(tenantId, envelope.type, envelope.data);
    if (problem) {
      const field = problem.field ?? 'data';
      throw new ApiError('validation_failed', problem.message, [
        { field, message: problem.message },
      ]);
    }
    await this.producer.send(Topics.eventsInbound, [
      { key: tenantId, value: envelope.bytes, headers: { [Headers.transport]: 'http' } },
    ]);
    return { id: envelope.id, status: 'accepted' };
  }

  async list(tenantId: string, filter: EventFilter, page: EventPageRequest) {
    return pageResponse(await this.events.list(tenantId, filter, page), presentEventSummary);
  }

  async get(tenantId: string, id: string): Promise<EventView> {
    const event = await this.stored(tenantId, id);
    const [deliveries, failure] = await Promise.all([
      this.deliveries.listForEvent(tenantId, id),
      this.events.failureOf(tenantId, id),
    ]);
    return presentEvent(event, deliveries, failure);
  }

  /**
   * Sends a stored event again as new deliveries (new ids, so new `webhook-id`s) with origin
   * `replay`: to the subscriptions named, or else to every subscription that matches it now.
   */
  async replay(
    tenantId: string,
    id: string,
    subscriptionIds: readonly string[] | null,
  ): Promise<{ deliveries: EventDeliveryView[] }> {
    const event = await this.stored(tenantId, id);
    const targets =
      subscriptionIds === null
        ? matchSubscriptions(
            await this.subscriptions.listActive(tenantId),
            event,
            await this.eventTypes.get(tenantId, event.type),
          ).map((subscription) => subscription.id)
        : await this.namedTargets(tenantId, subscriptionIds);
    const deliveries = await this.dispatcher.dispatch(event, targets, 'replay');
    return { deliveries: deliveries.map(presentEventDelivery) };
  }

  private async stored(tenantId: string, id: string): Promise<HeraldEvent> {
    const event = await this.events.get(tenantId, id);
    if (!event) throw await this.retention.missing(tenantId, 'event', id);
    return event;
  }

  /**
   * Named subscriptions must be the tenant's (else 404, as if they did not exist) and live (else 422).
   * They get the event whatever their type globs say: naming one is an explicit choice.
   */
  private async namedTargets(tenantId: string, ids: readonly string[]): Promise<string[]> {
    const missing: ApiErrorDetail[] = [];
    const disabled: ApiErrorDetail[] = [];
    const seen = new Set<string>();
    for (const [index, id] of ids.entries()) {
      if (seen.has(id)) continue;
      seen.add(id);
      const subscription = await this.subscriptions.get(tenantId, id);
      const field = `subscription_ids[${index}]`;
      if (!subscription) missing.push({ field, message: `subscription ${id} not found` });
      else if (!subscription.enabled || subscription.status !== 'active') {
        disabled.push({ field, message: `subscription ${id} is disabled` });
      }
    }
    if (missing.length > 0) {
      throw new ApiError(
        'not_found',
        missing.map((problem) => problem.message).join('; '),
        missing,
      );
    }
    if (disabled.length > 0) {
      throw new ApiError(
        'validation_failed',
        `request is invalid: ${disabled.map((problem) => problem.message).join('; ')}`,
        disabled,
      );
    }
    return [...seen];
  }
}
