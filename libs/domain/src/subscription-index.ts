import type { HeraldEvent } from './event';
import {
  subscriptionMatches,
  type EventTypeDefaults,
  type MatchableSubscription,
} from './subscription';

interface TenantIndex {
  /** Subscriptions listening to one exact type name. */
  exact: Map<string, Set<MatchableSubscription>>;
  /** Subscriptions with at least one glob; each is checked against every event of the tenant. */
  globbed: Set<MatchableSubscription>;
}

/**
 * The matcher's in-memory view of every live subscription, by tenant and event type, so matching an
 * event looks only at the subscriptions that can want it. Changes may arrive late or twice (the
 * database bootstrap and the changelog overlap): a change older than what is held is ignored, and a
 * deletion is remembered so a late upsert cannot bring a subscription back.
 */
export class SubscriptionIndex {
  private readonly byId = new Map<string, MatchableSubscription>();
  private readonly deleted = new Map<string, string>();
  private readonly tenants = new Map<string, TenantIndex>();

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

  match(event: HeraldEvent, defaults: EventTypeDefaults | null = null): MatchableSubscription[] {
    const tenant = this.tenants.get(event.tenantId);
    if (!tenant) return [];
    const matched = new Set<MatchableSubscription>();
    for (const candidates of [tenant.exact.get(event.type) ?? [], tenant.globbed]) {
      for (const subscription of candidates) {
        if (!matched.has(subscription) && subscriptionMatches(subscription, event, defaults)) {
          matched.add(subscription);
        }
      }
    }
    return [...matched].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  private link(subscription: MatchableSubscription): void {
    let tenant = this.tenants.get(subscription.tenantId);
    if (!tenant) {
      tenant = { exact: new Map(), globbed: new Set() };
      this.tenants.set(subscription.tenantId, tenant);
    }
    for (const type of subscription.eventTypes) {
      if (type.includes('*')) {
        tenant.globbed.add(subscription);
      } else {
        const set = tenant.exact.get(type) ?? new Set();
        set.add(subscription);
        tenant.exact.set(type, set);
      }
    }
  }

  private unlink(subscription: MatchableSubscription): void {
    const tenant = this.tenants.get(subscription.tenantId);
    if (!tenant) return;
    tenant.globbed.delete(subscription);
    for (const type of subscription.eventTypes) {
      const set = tenant.exact.get(type);
      set?.delete(subscription);
      if (set?.size === 0) tenant.exact.delete(type);
    }
  }
}
