import type { SubscriptionChanges } from '../subscription-changes';
import type { SubscriptionsRepository } from './subscriptions.repository';

/*
 * The narrow faces of SubscriptionsRepository, one per kind of reader. A service injects the
 * repository under the face it needs (`@Inject(SubscriptionsRepository) subscriptions:
 * DeliveryTargetReader`), as the deliverer's recorder takes `DeliveriesRepository` as an
 * AttemptWriter: only the subscription API's own feature writes subscriptions, and a deliverer or
 * event-ingest line cannot call `delete`.
 */

/** What the deliverer (and the API's preview) reads of a subscription before an attempt. */
export type DeliveryTargetReader = Pick<SubscriptionsRepository, 'getDeliveryTarget'>;

/** The deliverer's only writes to rows: a subscription's run of failures (disabling is a change). */
export type SubscriptionHealthWriter = Pick<SubscriptionsRepository, 'noteFailure' | 'noteSuccess'>;

/** What event-ingest loads to match events. */
export type MatchableSubscriptionReader = Pick<SubscriptionsRepository, 'listMatchable'>;

/** What the API's features other than subscriptions read: never a write, never a secret. */
export type SubscriptionReader = Pick<SubscriptionsRepository, 'get' | 'getMany' | 'listActive'>;

/** The deliverer's one change to a subscription: disabling it (announced, like every change). */
export type SubscriptionDisabler = Pick<SubscriptionChanges, 'disable'>;
