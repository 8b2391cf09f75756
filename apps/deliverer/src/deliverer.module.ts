import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, type HeraldConfig } from '@herald/config';
import { KafkaModule } from '@herald/kafka';
import { PersistenceModule } from '@herald/persistence';
import { HealthController } from '@herald/runtime';
import { WebhookSender } from './destinations/webhook.sender';
import { EmailSender } from './destinations/email.sender';
import { DeliveriesConsumer } from './delivery/deliveries.consumer';
import { DeliveryService } from './delivery/delivery.service';

@Module({})
export class DelivererModule {
  static forRoot(config: HeraldConfig): DynamicModule {
    return {
      module: DelivererModule,
      imports: [ConfigModule.forRoot(config), PersistenceModule, KafkaModule],
      controllers: [HealthController],
      providers: [WebhookSender, EmailSender, DeliveryService, DeliveriesConsumer],
    };
  }
}
