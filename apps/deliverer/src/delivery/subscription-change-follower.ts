import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { followChangelog, KAFKA_CLIENT } from '@herald/kafka';
import { DeliveryTargets } from './delivery-targets';
import { JsonLogger } from '@herald/observability';

/**
 * Drops what this deliverer keeps of a subscription (destination, secrets, policy) as soon as the
 * subscription changes — an update, a pause, a secret rotation, a delete — rather than when the
 * two seconds it is kept for run out. Every deliverer reads the changelog from where it is now, in a
 * consumer group of its own that never commits: what changed before it started, it never kept.
 */
@Injectable()
export class SubscriptionChangeFollower implements OnApplicationBootstrap, OnApplicationShutdown {
  private changes: { stop(): Promise<void> } | null = null;

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    private readonly targets: DeliveryTargets,
    private readonly logger: JsonLogger,
  ) {}

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
