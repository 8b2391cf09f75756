import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HeraldConfig } from '@herald/config';
import { testConfig } from '@herald/testing';
import { createService } from '@herald/runtime';
import { SubscriptionApiModule } from '../../apps/subscription-api/src/subscription-api.module';
import { EventIngestModule } from '../../apps/event-ingest/src/event-ingest.module';
import { MatcherModule } from '../../apps/matcher/src/matcher.module';
import { DelivererModule } from '../../apps/deliverer/src/deliverer.module';

export interface RunningHerald {
  config: HeraldConfig;
  apiUrl: string;
  apps: INestApplication[];
  stop(): Promise<void>;
}

/** The four real services in this process, each a Nest application on its own loopback port. */
export async function startHerald(config: HeraldConfig = testConfig()): Promise<RunningHerald> {
  const api = await createService(
    'subscription-api',
    SubscriptionApiModule.forRoot(config),
    config,
  );
  const pipeline = await Promise.all([
    createService('event-ingest', EventIngestModule.forRoot(config), config),
    createService('matcher', MatcherModule.forRoot(config), config),
    createService('deliverer', DelivererModule.forRoot(config), config),
  ]);
  const apps = [api, ...pipeline];
  const port = ((api.getHttpServer() as Server).address() as AddressInfo).port;
  return {
    config,
    apiUrl: `http://127.0.0.1:${port}`,
    apps,
    stop: async () => {
      await Promise.all(apps.map((app) => app.close()));
    },
  };
}
