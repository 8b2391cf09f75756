import type { DataSource, EntityManager } from 'typeorm';
import { Topics, toSubscriptionChange } from '@herald/contracts';
import { generateSigningSecret, type Subscription } from '@herald/domain';
import { enqueueOutbox } from './repositories/outbox.repository';
import type {
  NewSubscription,
  SubscriptionsRepository,
} from './repositories/subscriptions.repository';

/**
 * Every change to a subscription, each in one transaction with its announcement on
 * `herald.subscriptions.changelog` (through the outbox), so event-ingests and deliverers hear of every
 * change that commits and of none that rolls back. SubscriptionsRepository only reads and writes
 * rows; this is the one place that decides what a change announces. Callers nudge their OutboxRelay
 * afterwards to publish at once.
 */
export class SubscriptionChanges {
  constructor(
    private readonly db: DataSource,
    private readonly subscriptions: SubscriptionsRepository,
  ) {}

  /** Creates a subscription with a new signing secret, which is returned in the clear this once. */
  create(
    tenantId: string,
    input: NewSubscription,
  ): Promise<{ subscription: Subscription; secret: string }> {
    const secret = generateSigningSecret();
    return this.db.transaction(async (tx) => {
      const subscription = await this.subscriptions.insert(tx, tenantId, input, secret);
      await announce(tx, subscription, 'upsert');
      return { subscription, secret };
    });
  }

  /** Changes the fields given (see SubscriptionsRepository.update); null when there is none. */
  update(
    tenantId: string,
    id: string,
    patch: Partial<NewSubscription>,
  ): Promise<Subscription | null> {
    return this.db.transaction(async (tx) => {
      const subscription = await this.subscriptions.update(tx, tenantId, id, patch);
      if (subscription) await announce(tx, subscription, 'upsert');
      return subscription;
    });
  }

  /** Deletes a subscription; false when there is none. */
  delete(tenantId: string, id: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const subscription = await this.subscriptions.markDeleted(tx, tenantId, id);
      if (subscription) await announce(tx, subscription, 'delete');
      return subscription !== null;
    });
  }

  /**
   * Replaces the signing secret, the previous one signing too for `overlapMs`. Announced like any
   * change, so deliverers drop the secrets they keep and sign with the new one.
   */
  rotateSigningSecret(
    tenantId: string,
    id: string,
    overlapMs: number,
  ): Promise<{ secret: string; previousExpiresAt: string } | null> {
    const secret = generateSigningSecret();
    return this.db.transaction(async (tx) => {
      const rotated = await this.subscriptions.replaceSigningSecret(
        tx,
        tenantId,
        id,
        secret,
        overlapMs,
      );
      if (!rotated) return null;
      await announce(tx, rotated.subscription, 'upsert');
      return { secret, previousExpiresAt: rotated.previousExpiresAt };
    });
  }

  /**
   * Herald disables an active subscription (status `disabled` with the reason), announced so
   * event-ingests stop matching it. `whileDisabling` runs inside the transaction once the row changed;
   * if it throws, nothing is disabled. Returns whether this call disabled it: false when it was
   * already disabled or does not exist, so a repeat is harmless.
   */
  disable(
    tenantId: string,
    id: string,
    reason: string,
    whileDisabling?: (subscription: Subscription) => Promise<void>,
  ): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const subscription = await this.subscriptions.markDisabled(tx, tenantId, id, reason);
      if (!subscription) return false;
      await announce(tx, subscription, 'upsert');
      await whileDisabling?.(subscription);
      return true;
    });
  }
}

function announce(
  tx: EntityManager,
  subscription: Subscription,
  op: 'upsert' | 'delete',
): Promise<void> {
  return enqueueOutbox(tx, Topics.subscriptionsChangelog, toSubscriptionChange(subscription, op));
}
