import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '@herald/config';
import { Topics, toAcceptedEventMessage } from '@herald/contracts';
import {
  EventSchemas,
  isReservedEventType,
  newId,
  parseInboundEvent,
  type HeraldEvent,
  type InvalidEvent,
} from '@herald/domain';
import { TypedProducer } from '@herald/kafka';
import { EventsRepository, EventTypesRepository } from '@herald/persistence';
import { EventTypeRegistrar } from './event-type-registrar';
import { TenantDirectory } from './tenant-directory';

/** Where an inbound message came from: Herald's own events may use the reserved `herald.*` types. */
export interface IngestSource {
  heraldOrigin: boolean;
}

export type IngestResult =
  | { status: 'accepted'; event: HeraldEvent; duplicate: boolean }
  | { status: 'rejected'; error: InvalidEvent };

@Injectable()
export class IngestService {
  private readonly eventTypes: EventTypeRegistrar;
  private readonly schemas: EventSchemas;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly tenants: TenantDirectory,
    private readonly events: EventsRepository,
    private readonly producer: TypedProducer,
    eventTypes: EventTypesRepository,
  ) {
    this.eventTypes = new EventTypeRegistrar(eventTypes);
    this.schemas = new EventSchemas(
      async (tenantId, type) => (await eventTypes.get(tenantId, type))?.schema ?? null,
    );
  }

  /**
   * Validates, stores and emits one inbound event. An event stored before but never emitted (a crash
   * between the two) is emitted now; one already emitted is a duplicate and is not emitted again.
   */
  async ingest(
    raw: Buffer,
    now: Date = new Date(),
    source: IngestSource = { heraldOrigin: false },
  ): Promise<IngestResult> {
    const parsed = parseInboundEvent(raw, this.config.maxEventBytes);
    if (!parsed.ok) return { status: 'rejected', error: parsed.error };
    const inbound = parsed.value;
    const reserved = isReservedEventType(inbound.type);
    if (reserved && !source.heraldOrigin) {
      return {
        status: 'rejected',
        error: {
          code: 'reserved_event_type',
          message: `event types starting with herald. are Herald's own; ${inbound.type} cannot be published`,
          field: 'type',
        },
      };
    }
    if (!(await this.tenants.exists(inbound.tenantId))) {
      return {
        status: 'rejected',
        error: {
          code: 'unknown_tenant',
          message: `tenant ${inbound.tenantId} does not exist`,
          field: 'tenant_id',
        },
      };
    }
    // Herald's own events have Herald's shape; a schema a tenant put on the name must not drop them.
    const schemaProblem = reserved
      ? null
      : await this.schemas.check(inbound.tenantId, inbound.type, inbound.data);
    if (schemaProblem) return { status: 'rejected', error: schemaProblem };
    await this.eventTypes.register(inbound.tenantId, inbound.type);
    const receivedAt = now.toISOString();
    const stored = await this.events.store({
      id: inbound.id ?? newId('evt', now.getTime()),
      tenantId: inbound.tenantId,
      type: inbound.type,
      occurredAt: inbound.occurredAt ?? receivedAt,
      receivedAt,
      subject: inbound.subject,
      changedFields: inbound.changedFields,
      data: inbound.data,
    });
    if (!stored.published) {
      await this.producer.send(Topics.eventsAccepted, [
        { value: toAcceptedEventMessage(stored.event) },
      ]);
      await this.events.markPublished(stored.event.tenantId, stored.event.id);
    }
    return { status: 'accepted', event: stored.event, duplicate: !stored.created };
  }
}
