import { Injectable } from '@nestjs/common';
import {
  EventTypesRepository,
  type EventType,
  type EventTypeChanges,
  type EventTypePageRequest,
  type NewEventType,
} from '@herald/persistence';
import { pageResponse } from '../common/pagination';
import { ApiError, notFound } from '../errors/api-error';
import { presentEventType, type EventTypeView } from './event-type.view';

const found = (name: string, eventType: EventType | null): EventTypeView => {
  if (!eventType) throw notFound('event type', name);
  return presentEventType(eventType);
};

/** A tenant's event type catalog; the REST and gRPC transports both call this. */
@Injectable()
export class EventTypesService {
  constructor(private readonly eventTypes: EventTypesRepository) {}

  async create(tenantId: string, input: NewEventType): Promise<EventTypeView> {
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
    return found(name, await this.eventTypes.update(tenantId, name, changes));
  }

  /** Archiving hides a type from the catalog and keeps it for history; events of it still flow. */
  async archive(tenantId: string, name: string): Promise<EventTypeView> {
    return found(name, await this.eventTypes.archive(tenantId, name));
  }

  async unarchive(tenantId: string, name: string): Promise<EventTypeView> {
    return found(name, await this.eventTypes.unarchive(tenantId, name));
  }
}
