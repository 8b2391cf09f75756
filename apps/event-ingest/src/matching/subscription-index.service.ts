import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { SubscriptionChangeMessage } from '@herald/contracts';
import { SubscriptionIndex } from '@herald/domain';
import { followChangelog, KAFKA_CLIENT } from '@herald/kafka';
import { SubscriptionsRepository, type MatchableSubscriptionReader } from '@herald/persistence';
import { JsonLogger } from '@herald/observability';

/**
 * Keeps this event-ingest's subscription index current: it loads every subscription from PostgreSQL,
 * then reads the whole compacted changelog (one latest record per subscription), so nothing changed
 * during the load is missed; what is older than the index holds is ignored by version, and a
 * deletion stays a deletion. Every event-ingest instance reads the changelog in a consumer group of
 * its own that never commits.
 */
@Injectable()
export class SubscriptionIndexService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly index = new SubscriptionIndex();
  private changes: { stop(): Promise<void> } | null = null;
  private resolveReady!: () => void;
  /** Resolves once the index holds every subscription; matching waits for it. */
  readonly ready = new Promise<void>((resolve) => (this.resolveReady = resolve));

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(SubscriptionsRepository) private readonly subscriptions: MatchableSubscriptionReader,
    private readonly logger: JsonLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const started = Date.now();
    for (const subscription of await this.subscriptions.listMatchable())
      this.index.upsert(subscription);

    this.changes = await followChangelog(this.kafka, {
      group: 'herald.event-ingest.index',
      fromBeginning: true,
      logger: this.logger,
      onChange: (change) => this.apply(change),
    });
    this.logger.event('info', 'subscription index loaded', {
      subscriptions: this.index.size,
      duration_ms: Date.now() - started,
    });
    this.resolveReady();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.changes?.stop();
  }

  private apply(change: SubscriptionChangeMessage): void {
    if (change.op === 'delete' || change.subscription === null) {
      this.index.remove(change.subscription_id, change.changed_at);
      return;
    }
    const state = change.subscription;
    this.index.upsert({
      id: change.subscription_id,
      tenantId: change.tenant_id,
      enabled: state.enabled,
      status: state.status,
      eventTypes: state.event_types,
      filter: state.filter,
      triggerFields: state.trigger_fields,
      payloadFields: state.payload_fields,
      updatedAt: state.updated_at,
    });
  }
}
