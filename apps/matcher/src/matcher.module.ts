import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@herald/config';
import { KafkaModule } from '@herald/kafka';
import { PersistenceModule } from '@herald/persistence';
import { AcceptedEventsConsumer } from './matching/accepted-events.consumer';
import { EventTypeDefaultsCache } from './matching/event-type-defaults';
import { MatchingService } from './matching/matching.service';
import { SubscriptionIndexService } from './matching/subscription-index.service';
import type { MatcherConfig } from './matcher.config';

@Module({})
export class MatcherModule {
  static forRoot(config: MatcherConfig): DynamicModule {
    return {
      module: MatcherModule,
      imports: [ConfigModule.forRoot(config), PersistenceModule, KafkaModule],
      providers: [
        SubscriptionIndexService,
        EventTypeDefaultsCache,
        MatchingService,
        AcceptedEventsConsumer,
      ],
    };
  }
}
