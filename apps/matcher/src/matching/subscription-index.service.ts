import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Consumer, Kafka } from 'kafkajs';
import { HERALD_CONFIG, JsonLogger, type HeraldConfig } from '@herald/config';
import { Topics, type SubscriptionChangeMessage } from '@herald/contracts';
import { SubscriptionIndex } from '@herald/domain';
import { KAFKA_CLIENT } from '@herald/kafka';
import { SubscriptionsRepository } from '@herald/persistence';

/**
 * Keeps this matcher's subscription index current: it notes where the changelog ends, loads every
 * subscription from PostgreSQL, then applies the changelog from the noted offsets on, so nothing
 * changed during the load is missed (what overlaps is ignored by version). Every matcher instance
 * reads the whole changelog, in a consumer group of its own that never commits.
 */
@Injectable()
export class SubscriptionIndexService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly index = new SubscriptionIndex();
  private readonly logger: JsonLogger;
  private consumer: Consumer | null = null;
  private resolveReady!: () => void;
  /** Resolves once the index holds every subscription; matching waits for it. */
  readonly ready = new Promise<void>((resolve) => (this.resolveReady = resolve));

  constructor(
    @Inject(HERALD_CONFIG) config: HeraldConfig,
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    private readonly subscriptions: SubscriptionsRepository,
  ) {
    this.logger = new JsonLogger('matcher', config.logLevel);
  }

  async onApplicationBootstrap(): Promise<void> {
    const started = Date.now();
    const ends = await this.changelogEnds();
    for (const subscription of await this.subscriptions.listMatchable())
      this.index.upsert(subscription);

    this.consumer = this.kafka.consumer({
      groupId: `herald.matcher.index.${randomUUID()}`,
      maxWaitTimeInMs: 100,
      allowAutoTopicCreation: false,
    });
    await this.consumer.connect();
    await this.consumer.subscribe({
      topic: Topics.subscriptionsChangelog.name,
      fromBeginning: true,
    });
    await this.consumer.run({
      autoCommit: false,
      eachMessage: ({ message }) => {
        const decoded = Topics.subscriptionsChangelog.decode(message.value);
        if (decoded.ok) this.apply(decoded.value);
        else
          this.logger.event('warn', 'unreadable changelog message', {
            reason: decoded.reason,
            offset: message.offset,
          });
        return Promise.resolve();
      },
    });
    for (const { partition, offset } of ends) {
      this.consumer.seek({ topic: Topics.subscriptionsChangelog.name, partition, offset });
    }
    this.logger.event('info', 'subscription index loaded', {
      subscriptions: this.index.size,
      duration_ms: Date.now() - started,
    });
    this.resolveReady();
  }

  /**
   * Where the changelog ends now. Right after the topic is created its leaders may still be moving
   * in, which the broker answers with a retriable error, so this asks again for a while.
   */
  private async changelogEnds(): Promise<{ partition: number; offset: string }[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          return await admin.fetchTopicOffsets(Topics.subscriptionsChangelog.name);
        } catch (error) {
          if (attempt >= 40) throw error;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    } finally {
      await admin.disconnect();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.disconnect();
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
