import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { HERALD_CONFIG, JsonLogger, type HeraldConfig } from '@herald/config';
import { followChangelog, KAFKA_CLIENT } from '@herald/kafka';
import { DeliveryTargets } from './delivery-targets';

/**
 * Drops what this deliverer keeps of a subscription (destination, secrets, policy) as soon as the
 * subscription changes — an update, a pause, a secret rotation, a delete — rather than when the
 * two seconds it is kept for run out. Every deliverer reads the changelog from where it is now, in a
 * consumer group of its own that never commits: what changed before it started, it never kept.
 */
@Injectable()
export class SubscriptionChanges implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: JsonLogger;
  private changes: { stop(): Promise<void> } | null = null;

  constructor(
    @Inject(HERALD_CONFIG) config: HeraldConfig,
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    private readonly targets: DeliveryTargets,
  ) {
    this.logger = new JsonLogger('deliverer', config.logLevel);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.changes = await followChangelog(this.kafka, {
      group: 'herald.deliverer.changes',
      fromBeginning: false,
      logger: this.logger,
      onChange: ({ subscription_id: id }) => this.targets.forget(id),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.changes?.stop();
  }
}
