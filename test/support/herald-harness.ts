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
  const services = [
    { name: 'subscription-api', module: SubscriptionApiModule.forRoot(config) },
    { name: 'event-ingest', module: EventIngestModule.forRoot(config) },
    { name: 'matcher', module: MatcherModule.forRoot(config) },
    { name: 'deliverer', module: DelivererModule.forRoot(config) },
  ];
  const started = await Promise.allSettled(
    services.map((service) => createService(service.name, service.module, config)),
  );
  const apps = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) {
    // Leave nothing running behind a failed start, or the test run would never end.
    await Promise.all(apps.map((app) => app.close()));
    throw failure.reason;
  }
  const port = ((apps[0].getHttpServer() as Server).address() as AddressInfo).port;
  return {
    config,
    apiUrl: `http://127.0.0.1:${port}`,
    apps,
    stop: async () => {
      await Promise.all(apps.map((app) => app.close()));
    },
  };
}
