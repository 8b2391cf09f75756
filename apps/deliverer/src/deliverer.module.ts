import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@herald/config';
import { KafkaModule } from '@herald/kafka';
import { PersistenceModule } from '@herald/persistence';
import { destinationSenderProviders } from './destinations/destination-senders';
import { DeliveriesConsumer } from './delivery/deliveries.consumer';
import { DeliveryService } from './delivery/delivery.service';
import { AttemptRecorder } from './delivery/attempt-recorder';
import { SubscriptionHealth } from './delivery/subscription-health';
import { DeliveryFlow } from './delivery/delivery-flow';
import { DeliveryTargets } from './delivery/delivery-targets';
import { DeliveryBodies } from './delivery/delivery-bodies';
import { SubscriptionChangeFollower } from './delivery/subscription-change-follower';
import { DeliveryRouter } from './delivery/delivery-router';
import { OutboxModule } from './outbox/outbox.module';
import type { DelivererConfig } from './deliverer.config';

@Module({})
export class DelivererModule {
  static forRoot(config: DelivererConfig): DynamicModule {
    return {
      module: DelivererModule,
      imports: [ConfigModule.forRoot(config), PersistenceModule, KafkaModule, OutboxModule],
      providers: [
        ...destinationSenderProviders,
        SubscriptionHealth,
        AttemptRecorder,
        DeliveryService,
        DeliveryTargets,
        DeliveryBodies,
        SubscriptionChangeFollower,
        DeliveryRouter,
        DeliveryFlow,
        DeliveriesConsumer,
      ],
    };
  }
}
