import { Injectable } from '@nestjs/common';
import { FreshCache, type EventTypeDefaults } from '@herald/domain';
import { EventTypesRepository } from '@herald/persistence';

const TTL_MS = 5000;
const MAX_ENTRIES = 50_000;

/** The catalog's default trigger and payload fields per tenant and type, read at most every few seconds. */
@Injectable()
export class EventTypeDefaultsCache {
  private readonly cache = new FreshCache<EventTypeDefaults | null>(TTL_MS, MAX_ENTRIES);

  constructor(private readonly eventTypes: EventTypesRepository) {}

  /** A batch of events of one type reads it once, however many of them ask at the same time. */
  get(tenantId: string, type: string): Promise<EventTypeDefaults | null> {
    return this.cache.load(`${tenantId}\u0000${type}`, async () => {
      const eventType = await this.eventTypes.get(tenantId, type);
      return (
        eventType && {
          triggerFields: eventType.triggerFields,
          payloadFields: eventType.payloadFields,
        }
      );
    });
  }
}
