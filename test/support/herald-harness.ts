import type { INestApplication } from '@nestjs/common';
import type { HeraldConfig } from '@herald/config';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import {
  ApiClient,
  testConfig,
  untilReady,
  waitFor,
  WebhookReceiver,
  appUrl,
} from '@herald/testing';
import { createService } from '@herald/runtime';
import { SubscriptionApiModule } from '../../apps/subscription-api/src/subscription-api.module';
import { EventIngestModule } from '../../apps/event-ingest/src/event-ingest.module';
import { DelivererModule } from '../../apps/deliverer/src/deliverer.module';
import { SubscriptionIndexService } from '../../apps/event-ingest/src/matching/subscription-index.service';

export interface RunningHerald {
  config: HeraldConfig;
  /** The subscription API's URL; empty when it runs elsewhere (`api: false`). */
  apiUrl: string;
  apps: INestApplication[];
  /** Event-ingest's application (which matches events), when it runs in this process. */
  ingest: INestApplication | null;
  stop(): Promise<void>;
}

export type ServiceName = 'subscription-api' | 'event-ingest' | 'deliverer';

const ALL: readonly ServiceName[] = ['subscription-api', 'event-ingest', 'deliverer'];

export interface StartOptions {
  /**
   * The services to run in this process (all three by default; the API always runs). A suite that
   * runs the deliverer as a child process leaves it out here, or this one would take its partitions.
   */
  services?: readonly ServiceName[];
  /**
   * Whether the subscription API runs in this process (by default it does, whatever `services`
   * says). A suite that runs it as a child process, to kill it, sets false.
   */
  api?: boolean;
}

/** The real services in this process, each a Nest application on its own loopback port. */
export async function startHerald(
  config: HeraldConfig = testConfig(),
  options: StartOptions = {},
): Promise<RunningHerald> {
  const services = [
    { name: 'subscription-api', module: () => SubscriptionApiModule.forRoot(config) },
    { name: 'event-ingest', module: () => EventIngestModule.forRoot(config) },
    { name: 'deliverer', module: () => DelivererModule.forRoot(config) },
  ] as const;
  const chosen = services.filter((service) =>
    service.name === 'subscription-api'
      ? (options.api ?? true)
      : (options.services ?? ALL).includes(service.name),
  );
  const started = await Promise.allSettled(
    chosen.map((service) => createService(service.name, service.module(), config)),
  );
  const apps = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) {
    // Leave nothing running behind a failed start, or the test run would never end.
    await Promise.all(apps.map((app) => app.close()));
    throw failure.reason;
  }
  try {
    await Promise.all(apps.map((app) => untilReady(app)));
  } catch (error) {
    await Promise.all(apps.map((app) => app.close()));
    throw error;
  }
  return {
    config,
    apiUrl: chosen[0].name === 'subscription-api' ? appUrl(apps[0]) : '',
    apps,
    ingest: apps[chosen.findIndex((service) => service.name === 'event-ingest')] ?? null,
    stop: async () => {
      await Promise.all(apps.map((app) => app.close()));
    },
  };
}

/**
 * Waits until the in-process event-ingest's subscription index holds a subscription as live (or, with `live` false, no
 * longer does). Changes travel through the
 * outbox and the changelog topic, so a test that publishes right after creating a subscription would
 * otherwise race them (a loaded machine can take more than a second).
 */
export async function untilIngestKnows(
  herald: RunningHerald,
  subscriptionId: string,
  live = true,
): Promise<void> {
  const subscriptions = herald.ingest?.get(SubscriptionIndexService);
  if (!subscriptions) throw new Error('no event-ingest runs in this Herald');
  await waitFor(
    `event-ingest to hold subscription ${subscriptionId} as ${live ? 'live' : 'not live'}`,
    () => subscriptions.index.isLive(subscriptionId) === live,
  );
}

export interface PipelineFixture {
  herald: RunningHerald;
  receiver: WebhookReceiver;
  operator: ApiClient;
  /** A plain kafkajs producer, as a user's service would publish with. */
  producer: Producer;
  stop(): Promise<void>;
}

/** Herald, a webhook receiver on loopback, an operator client and a connected external producer. */
export async function startPipeline(clientId: string): Promise<PipelineFixture> {
  const herald = await startHerald();
  const receiver = await WebhookReceiver.start();
  const producer = new Kafka({
    clientId,
    brokers: herald.config.kafka.brokers,
    logLevel: logLevel.NOTHING,
  }).producer();
  await producer.connect();
  return {
    herald,
    receiver,
    operator: new ApiClient(herald.apiUrl, herald.config.auth.adminToken),
    producer,
    stop: async () => {
      await producer.disconnect();
      await receiver.stop();
      await herald.stop();
    },
  };
}
