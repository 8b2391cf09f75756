import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG } from '@herald/config';
import { exampleProblems, type JsonObject, type JsonValue } from '@herald/domain';
import {
  EventTypesRepository,
  type EventType,
  type EventTypeChanges,
  type EventTypePageRequest,
  type NewEventType,
} from '@herald/persistence';
import { assertNoProblems } from '../common/body-reader';
import { pageResponse } from '../common/pagination';
import { ApiError, notFound } from '../errors/api-error';
import { presentEventType, type EventTypeView } from './event-type.view';
import type { SubscriptionApiConfig } from '../subscription-api.config';

const found = (name: string, eventType: EventType | null): EventTypeView => {
  if (!eventType) throw notFound('event type', name);
  return presentEventType(eventType);
};

/** A tenant's event type catalog; the REST and gRPC transports both call this. */
@Injectable()
export class EventTypesService {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: SubscriptionApiConfig,
    private readonly eventTypes: EventTypesRepository,
  ) {}

  /** A type's examples must stay what its events may carry, so a schema change is checked too. */
  private assertExamples(examples: readonly JsonValue[], schema: JsonObject | null): void {
    assertNoProblems(exampleProblems(examples, schema, this.config.ingest.maxEventBytes));
  }

  async create(tenantId: string, input: NewEventType): Promise<EventTypeView> {
    this.assertExamples(input.examples, input.schema);
    const created = await this.eventTypes.create(tenantId, input);
    if (!created) {
      throw new ApiError(
        'conflict',
        `event type ${input.name} already exists; change it with PATCH, or unarchive it if it is archived`,
        [{ field: 'name', message: 'already exists' }],
      );
    }
    return presentEventType(created);
  }

  async list(tenantId: string, page: EventTypePageRequest) {
    return pageResponse(await this.eventTypes.list(tenantId, page), presentEventType);
  }

  async get(tenantId: string, name: string): Promise<EventTypeView> {
    return found(name, await this.eventTypes.get(tenantId, name));
  }

  async update(tenantId: string, name: string, changes: EventTypeChanges): Promise<EventTypeView> {
    const check =
      changes.examples !== undefined || changes.schema !== undefined
        ? (next: EventType) => this.assertExamples(next.examples, next.schema)
        : undefined;
    return found(name, await this.eventTypes.update(tenantId, name, changes, check));
  }

  /** Archiving hides a type from the catalog and keeps it for history; events of it still flow. */
  async archive(tenantId: string, name: string): Promise<EventTypeView> {
    return found(name, await this.eventTypes.archive(tenantId, name));
  }

  async unarchive(tenantId: string, name: string): Promise<EventTypeView> {
    return found(name, await this.eventTypes.unarchive(tenantId, name));
  }
}
