import type { EventTypesRepository } from '@herald/persistence';

const MAX_REMEMBERED = 100_000;

/**
 * Adds an event's type to its tenant's catalog on first sight. Catalog entries are archived, never
 * deleted, so a (tenant, type) pair once registered stays registered, and remembering it lets the
 * hot path skip the database for every later event of that type.
 */
export class EventTypeRegistrar {
  private readonly registered = new Set<string>();
  /** Registrations under way: a batch's events of a new type share one. */
  private readonly registering = new Map<string, Promise<void>>();

  constructor(private readonly eventTypes: Pick<EventTypesRepository, 'registerSeen'>) {}

  async register(tenantId: string, type: string): Promise<void> {
    const key = `${tenantId}\u0000${type}`;
    if (this.registered.has(key)) return;
    const underway = this.registering.get(key);
    if (underway) return underway;
    const registering = this.eventTypes.registerSeen(tenantId, type);
    this.registering.set(key, registering);
    try {
      await registering;
    } finally {
      this.registering.delete(key);
    }
    if (this.registered.size >= MAX_REMEMBERED) {
      // Forget the oldest: it is only asked again, and ON CONFLICT keeps that harmless.
      this.registered.delete(this.registered.values().next().value as string);
    }
    this.registered.add(key);
  }
}
