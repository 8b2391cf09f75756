import { Injectable } from '@nestjs/common';
import type { EventTypeDefaults } from '@herald/domain';
import { EventTypesRepository } from '@herald/persistence';

const TTL_MS = 5000;
const MAX_ENTRIES = 50_000;

/** The catalog's default trigger and payload fields per tenant and type, read at most every few seconds. */
@Injectable()
export class EventTypeDefaultsCache {
  private readonly cache = new Map<string, { defaults: EventTypeDefaults | null; at: number }>();

  constructor(private readonly eventTypes: EventTypesRepository) {}

  async get(tenantId: string, type: string): Promise<EventTypeDefaults | null> {
    const key = `${tenantId}\u0000${type}`;
    const cached = this.cache.get(key);
    if (cached && Date.now() - cached.at < TTL_MS) return cached.defaults;
    const eventType = await this.eventTypes.get(tenantId, type);
    const defaults = eventType && {
      triggerFields: eventType.triggerFields,
      payloadFields: eventType.payloadFields,
    };
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(key, { defaults, at: Date.now() });
    return defaults;
  }
}
