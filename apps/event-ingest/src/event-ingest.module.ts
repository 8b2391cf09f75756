import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@herald/config';
import { KafkaModule } from '@herald/kafka';
import { PersistenceModule } from '@herald/persistence';
import { InboundConsumer } from './ingest/inbound.consumer';
import { IngestService } from './ingest/ingest.service';
import { TenantDirectory } from './ingest/tenant-directory';
import { EventTypeDefaultsCache } from './matching/event-type-defaults';
import { MatchingService } from './matching/matching.service';
import { SubscriptionIndexService } from './matching/subscription-index.service';
import type { EventIngestConfig } from './event-ingest.config';

@Module({})
export class EventIngestModule {
  static forRoot(config: EventIngestConfig): DynamicModule {
    return {
      module: EventIngestModule,
      imports: [ConfigModule.forRoot(config), PersistenceModule, KafkaModule],
      providers: [
        TenantDirectory,
        SubscriptionIndexService,
        EventTypeDefaultsCache,
        MatchingService,
        IngestService,
        InboundConsumer,
      ],
    };
  }
}
