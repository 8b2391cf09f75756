import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Consumer, Kafka } from 'kafkajs';
import { HERALD_CONFIG, JsonLogger, type HeraldConfig } from '@herald/config';
import { Topics } from '@herald/contracts';
import { KAFKA_CLIENT } from '@herald/kafka';
import { DeliveryPolicies } from './delivery-policies';
import { DeliverySubscriptions } from './delivery-subscriptions';

/**
 * Drops what this deliverer keeps of a subscription (destination, secrets, policy) as soon as the
 * subscription changes — an update, a pause, a secret rotation, a delete — rather than when the
 * two seconds it is kept for run out. Every deliverer reads the changelog from where it is now, in a
 * consumer group of its own that never commits: what changed before it started, it never kept.
 */
@Injectable()
export class SubscriptionChanges implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: JsonLogger;
  private consumer: Consumer | null = null;

  constructor(
    @Inject(HERALD_CONFIG) config: HeraldConfig,
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    private readonly subscriptions: DeliverySubscriptions,
    private readonly policies: DeliveryPolicies,
  ) {
    this.logger = new JsonLogger('deliverer', config.logLevel);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = this.kafka.consumer({
      groupId: `herald.deliverer.changes.${randomUUID()}`,
      maxWaitTimeInMs: 100,
      allowAutoTopicCreation: false,
    });
    await this.consumer.connect();
    await this.consumer.subscribe({
      topic: Topics.subscriptionsChangelog.name,
      fromBeginning: false,
    });
    await this.consumer.run({
      autoCommit: false,
      eachMessage: ({ message }) => {
        const decoded = Topics.subscriptionsChangelog.decode(message.value);
        if (decoded.ok) {
          this.subscriptions.forget(decoded.value.subscription_id);
          this.policies.forget(decoded.value.subscription_id);
        } else {
          this.logger.event('warn', 'unreadable changelog message', {
            reason: decoded.reason,
            offset: message.offset,
          });
        }
        return Promise.resolve();
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
