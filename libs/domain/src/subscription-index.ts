import type { HeraldEvent } from './event';
import { matchesEventType } from './event-type-glob';
import {
  subscriptionAccepts,
  type EventTypeDefaults,
  type MatchableSubscription,
} from './subscription';

interface TenantIndex {
  /** Subscriptions listening to one exact type name. */
  exact: Map<string, Set<MatchableSubscription>>;
  /** Subscriptions by each glob they use; a glob is tested once per event, however many share it. */
  globbed: Map<string, Set<MatchableSubscription>>;
}

/**
 * Event-ingest's in-memory view of every live subscription, by tenant and event type, so matching an
 * event looks only at the subscriptions that can want it. Changes may arrive late or twice (the
 * database bootstrap and the changelog overlap): a change older than what is held is ignored, and a
 * deletion is remembered so a late upsert cannot bring a subscription back.
 */
export class SubscriptionIndex {
  private readonly byId = new Map<string, MatchableSubscription>();
  private readonly deleted = new Map<string, string>();
  private readonly tenants = new Map<string, TenantIndex>();

  /** Whether the index holds this subscription as live and matchable. */
  isLive(id: string): boolean {
    const subscription = this.byId.get(id);
    return subscription !== undefined && subscription.enabled && subscription.status === 'active';
  }

  get size(): number {
    return this.byId.size;
  }

  upsert(subscription: MatchableSubscription): void {
    const current = this.byId.get(subscription.id);
    if (current && current.updatedAt > subscription.updatedAt) return;
    const deletedAt = this.deleted.get(subscription.id);
    if (deletedAt !== undefined && deletedAt >= subscription.updatedAt) return;
    if (current) this.unlink(current);
    this.byId.set(subscription.id, subscription);
    if (subscription.enabled && subscription.status === 'active') this.link(subscription);
  }

  remove(id: string, deletedAt: string): void {
    const current = this.byId.get(id);
    if (current) this.unlink(current);
    this.byId.delete(id);
    this.deleted.set(id, deletedAt);
  }

  /** The subscriptions that want an event, in no particular order. */
  match(event: HeraldEvent, defaults: EventTypeDefaults | null = null): MatchableSubscription[] {
    const tenant = this.tenants.get(event.tenantId);
    if (!tenant) return [];
    const candidates: Iterable<MatchableSubscription>[] = [tenant.exact.get(event.type) ?? []];
    for (const [glob, subscriptions] of tenant.globbed) {
      if (matchesEventType(glob, event.type)) candidates.push(subscriptions);
    }
    const seen = new Set<MatchableSubscription>();
    const matched: MatchableSubscription[] = [];
    for (const group of candidates) {
      for (const subscription of group) {
        if (seen.has(subscription)) continue;
        seen.add(subscription);
        if (subscriptionAccepts(subscription, event, defaults)) matched.push(subscription);
      }
    }
    return matched;
  }

  private link(subscription: MatchableSubscription): void {
    let tenant = this.tenants.get(subscription.tenantId);
    if (!tenant) {
      tenant = { exact: new Map(), globbed: new Map() };
      this.tenants.set(subscription.tenantId, tenant);
    }
    for (const type of subscription.eventTypes) {
      const groups = type.includes('*') ? tenant.globbed : tenant.exact;
      const set = groups.get(type) ?? new Set();
      set.add(subscription);
      groups.set(type, set);
    }
  }

  private unlink(subscription: MatchableSubscription): void {
    const tenant = this.tenants.get(subscription.tenantId);
    if (!tenant) return;
    for (const type of subscription.eventTypes) {
      const groups = type.includes('*') ? tenant.globbed : tenant.exact;
      const set = groups.get(type);
      set?.delete(subscription);
      if (set?.size === 0) groups.delete(type);
    }
  }
}
